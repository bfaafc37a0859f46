import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Vapor

/// The knowledge base the LLM assistant answers from, consent, practitioners and appointments.
enum KnowledgeEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/knowledge", operationID: "listKnowledge", summary: "Knowledge-base articles, by title.",
            tag: "knowledge", access: .clinic(.viewer), query: [.limit, .offset], response: Page<KnowledgeArticleDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            let result = try await context.services.engine.knowledge.list(clinicID: try context.requiredClinic.id, limit: limit, offset: offset)
            return try context.json(Page(items: result.items.map(KnowledgeArticleDTO.init), total: result.total, limit: limit, offset: offset))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/knowledge/search", operationID: "searchKnowledge",
            summary: "Full-text search, best match first: what the assistant would retrieve for this question.", tag: "knowledge",
            access: .clinic(.viewer), query: [Parameter(name: "q", schema: .string(), description: "The question or words")],
            response: ItemList<KnowledgeArticleDTO>.self
        ) { context in
            guard let query = context.stringQuery("q"), query.count <= 500 else { throw Abort(.badRequest, reason: "q is required (up to 500 characters)") }
            let found = try await context.services.engine.knowledge.search(query, clinicID: try context.requiredClinic.id, limit: 10)
            return try context.json(ItemList(items: found.map(KnowledgeArticleDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/knowledge", operationID: "createKnowledge", summary: "Add an article (FAQ, prices, address, preparation).",
            tag: "knowledge", access: .clinic(.clinicAdmin), requestBody: KnowledgeArticleRequest.self, successStatus: .created, response: KnowledgeArticleDTO.self
        ) { context in
            let article = try await context.services.engine.knowledge.create(try article(context, id: .timeOrdered()))
            return try context.json(KnowledgeArticleDTO(article), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/knowledge/{articleID}", operationID: "getKnowledge", summary: "One article.",
            tag: "knowledge", access: .clinic(.viewer), response: KnowledgeArticleDTO.self
        ) { context in
            let id = try context.id("articleID")
            guard let article = try await context.services.engine.knowledge.find(id: id, clinicID: try context.requiredClinic.id) else {
                throw Abort(.notFound, reason: "no article \(id)")
            }
            return try context.json(KnowledgeArticleDTO(article))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/knowledge/{articleID}", operationID: "putKnowledge", summary: "Replace an article.",
            tag: "knowledge", access: .clinic(.clinicAdmin), requestBody: KnowledgeArticleRequest.self, response: KnowledgeArticleDTO.self
        ) { context in
            let id = try context.id("articleID")
            guard try await context.services.engine.knowledge.find(id: id, clinicID: try context.requiredClinic.id) != nil else {
                throw Abort(.notFound, reason: "no article \(id)")
            }
            let updated = try article(context, id: id)
            guard try await context.services.engine.knowledge.update(updated) else { throw Abort(.notFound, reason: "no article \(id)") }
            return try context.json(KnowledgeArticleDTO(try await context.services.engine.knowledge.find(id: id, clinicID: updated.clinicID) ?? updated))
        },
        APIEndpoint(
            method: .DELETE, path: "/clinics/{clinicID}/knowledge/{articleID}", operationID: "deleteKnowledge", summary: "Remove an article.",
            tag: "knowledge", access: .clinic(.clinicAdmin), successStatus: .noContent
        ) { context in
            let id = try context.id("articleID")
            guard try await context.services.engine.knowledge.delete(id: id, clinicID: try context.requiredClinic.id) else {
                throw Abort(.notFound, reason: "no article \(id)")
            }
            return Response(status: .noContent)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/contacts/{contactID}/consent", operationID: "contactConsent",
            summary: "The contact's consent ledger, oldest first: every opt-in and opt-out with its evidence.", tag: "contacts",
            access: .clinic(.viewer), response: ItemList<ConsentEntryDTO>.self
        ) { context in
            let contact = try await ContactEndpoints.contact(context)
            let ledger = try await context.services.engine.consent.ledger(contactID: contact.id, clinicID: contact.clinicID)
            return try context.json(ItemList(items: ledger.map(ConsentEntryDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/contacts/{contactID}/consent", operationID: "recordConsent",
            summary: "Record an opt-in or opt-out with its evidence. An opt-out cancels queued non-transactional messages at once.", tag: "contacts",
            access: .clinic(.consultant), requestBody: ConsentRequest.self, successStatus: .created, response: ConsentEntryDTO.self
        ) { context in
            let contact = try await ContactEndpoints.contact(context)
            let body = try context.decode(ConsentRequest.self)
            guard let kind = ConsentRepository.Kind(rawValue: body.kind) else { throw Abort(.unprocessableEntity, reason: "kind must be opt_in or opt_out") }
            let evidence = body.evidence.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !evidence.isEmpty, evidence.count <= 1000 else { throw Abort(.unprocessableEntity, reason: "evidence must be 1 to 1,000 characters") }
            let engine = context.services.engine
            let user = try context.principalUser
            let entry = try await engine.store.db.withTransaction { database in
                let entry = try await engine.consent.record(kind, contactID: contact.id, clinicID: contact.clinicID, channelID: nil, source: "api", evidence: evidence, recordedBy: user.id, on: database)
                if kind == .optOut {
                    try await engine.conversations.cancelQueued(contactID: contact.id, clinicID: contact.clinicID, reason: "the contact opted out", on: database)
                }
                try await engine.events.append(
                    try EventDraft(clinicID: contact.clinicID, stream: Contact.stream(contact.id), type: "consent.\(kind.rawValue)", encoding: ["source": "api", "by": user.id.text(lowercase: true)]),
                    on: database
                )
                return entry
            }
            return try context.json(ConsentEntryDTO(entry), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/practitioners", operationID: "listPractitioners", summary: "Practitioners and their weekly hours.",
            tag: "scheduling", access: .clinic(.viewer), response: ItemList<PractitionerDTO>.self
        ) { context in
            let items = try await context.services.engine.scheduling.practitioners(clinicID: try context.requiredClinic.id)
            return try context.json(ItemList(items: items.map(PractitionerDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/practitioners", operationID: "createPractitioner",
            summary: "Add a practitioner with weekly hours (clinic time zone): the assistant offers their free slots.", tag: "scheduling",
            access: .clinic(.clinicAdmin), requestBody: PractitionerRequest.self, successStatus: .created, response: PractitionerDTO.self
        ) { context in
            let practitioner = try await context.services.engine.scheduling.create(
                try context.decode(PractitionerRequest.self).practitioner(id: .timeOrdered(), clinicID: try context.requiredClinic.id)
            )
            return try context.json(PractitionerDTO(practitioner), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/appointments", operationID: "listAppointments", summary: "Appointments, soonest first.",
            tag: "scheduling", access: .clinic(.viewer), query: [Parameter(name: "contact_id", schema: .uuid, description: "Only this contact's.")],
            response: ItemList<AppointmentDTO>.self
        ) { context in
            let items = try await context.services.engine.scheduling.appointments(clinicID: try context.requiredClinic.id, contactID: try context.uuidQuery("contact_id"))
            return try context.json(ItemList(items: items.map(AppointmentDTO.init)))
        },
    ]

    static func article(_ context: APIContext, id: UUID) throws -> KnowledgeRepository.Article {
        let body = try context.decode(KnowledgeArticleRequest.self)
        let kind = body.kind ?? "faq"
        guard KnowledgeRepository.Article.kinds.contains(kind) else {
            throw Abort(.unprocessableEntity, reason: "kind must be one of \(KnowledgeRepository.Article.kinds.joined(separator: ", "))")
        }
        let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 200 else { throw Abort(.unprocessableEntity, reason: "title must be 1 to 200 characters") }
        guard !body.body.isEmpty, body.body.count <= 20_000 else { throw Abort(.unprocessableEntity, reason: "body must be 1 to 20,000 characters") }
        return KnowledgeRepository.Article(id: id, clinicID: try context.requiredClinic.id, kind: kind, title: title, body: body.body)
    }
}
