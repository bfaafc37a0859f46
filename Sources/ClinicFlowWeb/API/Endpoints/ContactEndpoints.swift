import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Vapor

enum ContactEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/contacts", operationID: "listContacts",
            summary: "Contacts, most recently active first; `q` searches name, phone and email.", tag: "contacts",
            access: .clinic(.viewer),
            query: [.limit, .offset, Parameter(name: "q", schema: .string(), description: "Search text.")],
            response: Page<ContactDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            let result = try await context.services.engine.contacts.list(
                clinicID: try context.requiredClinic.id, .init(search: context.stringQuery("q"), limit: limit, offset: offset)
            )
            return try context.json(Page(items: result.items.map(ContactDTO.init), total: result.total, limit: limit, offset: offset))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/contacts", operationID: "createContact",
            summary: "Create a contact; an existing one with the same phone or email is returned instead (409).", tag: "contacts",
            access: .clinic(.consultant), requestBody: ContactInput.self, successStatus: .created, response: ContactDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(ContactInput.self)
            let (phone, email) = try parse(body, clinic: clinic)
            guard phone != nil || email != nil || body.name?.isEmpty == false else {
                throw Abort(.unprocessableEntity, reason: "a contact needs a name, a phone or an email")
            }
            let identities = [phone.map(ContactIdentity.phone), email.flatMap(ContactIdentity.email)].compactMap { $0 }
            let engine = context.services.engine
            if let existing = try await engine.contacts.matches(identities, clinicID: clinic.id).values.first {
                throw Abort(.conflict, reason: "contact \(existing) already has this phone or email")
            }
            let user = try context.principalUser
            let contact = try await engine.store.db.withTransaction { transaction in
                let contact = try await engine.contacts.create(
                    Contact(id: .timeOrdered(), clinicID: clinic.id, name: body.name?.nilIfBlank, phone: phone?.e164, email: email, identities: identities),
                    on: transaction
                )
                try await engine.events.append(
                    try EventDraft(
                        clinicID: clinic.id, stream: Contact.stream(contact.id), type: "contact.created",
                        encoding: CRMEvents.ContactCreated(contactID: contact.id, source: "user:\(user.id.text(lowercase: true))", identities: identities.map(\.description)),
                        correlationID: context.request.correlationID
                    ),
                    on: transaction
                )
                return contact
            }
            return try context.json(ContactDTO(contact), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/contacts/{contactID}", operationID: "getContact", summary: "One contact.",
            tag: "contacts", access: .clinic(.viewer), response: ContactDTO.self
        ) { context in
            try context.json(ContactDTO(try await contact(context)))
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}/contacts/{contactID}", operationID: "updateContact",
            summary: "Change a contact's name, phone or email.", tag: "contacts", access: .clinic(.consultant),
            requestBody: ContactInput.self, response: ContactDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            var contact = try await contact(context)
            let body = try context.decode(ContactInput.self)
            let (phone, email) = try parse(body, clinic: clinic)
            let engine = context.services.engine
            let identities = [phone.map(ContactIdentity.phone), email.flatMap(ContactIdentity.email)].compactMap { $0 }
            let owners = try await engine.contacts.matches(identities, clinicID: clinic.id)
            if let other = owners.values.first(where: { $0 != contact.id }) {
                throw Abort(.conflict, reason: "contact \(other) already has this phone or email; merge the two instead")
            }
            if let name = body.name { contact.name = name.nilIfBlank }
            if let phone { contact.phone = phone.e164 }
            if let email { contact.email = email }
            let edited = contact
            try await engine.store.db.withTransaction { transaction in
                try await engine.contacts.update(edited, on: transaction)
                try await engine.contacts.link(identities, to: edited.id, clinicID: clinic.id, on: transaction)
                try await engine.syncContactLater(edited, correlationID: context.request.correlationID, on: transaction)
            }
            return try context.json(ContactDTO(try await engine.contacts.find(id: edited.id, clinicID: clinic.id) ?? edited))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/contacts/{contactID}/merge", operationID: "mergeContacts",
            summary: "Fold another contact (the same person) into this one; both histories stay on this one's timeline.",
            tag: "contacts", access: .clinic(.clinicAdmin), requestBody: MergeRequest.self, response: ContactDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let target = try await contact(context)
            let body = try context.decode(MergeRequest.self)
            let engine = context.services.engine
            guard body.otherContactId != target.id else { throw Abort(.unprocessableEntity, reason: "a contact cannot be merged into itself") }
            guard let source = try await engine.contacts.find(id: body.otherContactId, clinicID: clinic.id), source.mergedInto == nil else {
                throw Abort(.notFound, reason: "no contact \(body.otherContactId) to merge")
            }
            let user = try context.principalUser
            try await engine.store.db.withTransaction { transaction in
                let closed = try await engine.contacts.merge(source.id, into: target.id, clinicID: clinic.id, on: transaction)
                let payload = CRMEvents.ContactMerged(sourceID: source.id, targetID: target.id, closedLeadIDs: closed, by: user.id)
                for stream in [Contact.stream(target.id), Contact.stream(source.id)] {
                    try await engine.events.append(
                        try EventDraft(clinicID: clinic.id, stream: stream, type: "contact.merged", encoding: payload, correlationID: context.request.correlationID),
                        on: transaction
                    )
                }
            }
            return try context.json(ContactDTO(try await engine.contacts.find(id: target.id, clinicID: clinic.id) ?? target))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/contacts/{contactID}/timeline", operationID: "contactTimeline",
            summary: "Everything that happened with this person, newest first: messages, calls, bookings, payments, notes, stage changes, assignments.",
            tag: "contacts", access: .clinic(.viewer), query: [.limit, .offset], response: ItemList<TimelineEntryDTO>.self
        ) { context in
            let clinic = try context.requiredClinic
            let contact = try await contact(context)
            let (limit, offset) = try context.page()
            let engine = context.services.engine
            let streams = ([contact.id] + (try await engine.contacts.mergedSources(of: contact.id))).map(Contact.stream)
            let events = try await engine.events.events(inStreams: streams, limit: limit, offset: offset)
            var messages: [UUID: Message] = [:]
            for conversation in try await engine.conversations.list(clinicID: clinic.id, contactID: contact.id, limit: 200).items {
                for message in try await engine.conversations.messages(conversationID: conversation.id, clinicID: clinic.id, limit: 1000) {
                    messages[message.id] = message
                }
            }
            let items = events.map { event -> TimelineEntryDTO in
                let messageID = (try? event.decodePayload(as: CRMEvents.MessageRecorded.self))?.messageID
                return TimelineEntryDTO(
                    position: event.position, type: event.type, occurredAt: event.occurredAt, data: JSONDocumentValue(raw: event.payload),
                    message: messageID.flatMap { messages[$0] }.map(MessageDTO.init)
                )
            }
            return try context.json(ItemList(items: items))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/contacts/{contactID}/notes", operationID: "addNote",
            summary: "Add a note to the contact's timeline.", tag: "contacts", access: .clinic(.consultant),
            requestBody: NoteRequest.self, successStatus: .created, response: TimelineEntryDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let contact = try await contact(context)
            let body = try context.decode(NoteRequest.self)
            let text = try required(body.text, "text")
            guard text.count <= 10_000 else { throw Abort(.unprocessableEntity, reason: "a note may have at most 10,000 characters") }
            let engine = context.services.engine
            if let leadID = body.leadId {
                guard let lead = try await engine.leads.find(id: leadID, clinicID: clinic.id), lead.contactID == contact.id else {
                    throw Abort(.notFound, reason: "no lead \(leadID) of this contact")
                }
            }
            let note = CRMEvents.NoteAdded(noteID: UUID(), leadID: body.leadId, text: text, by: try context.principalUser.id)
            let draft = try EventDraft(clinicID: clinic.id, stream: Contact.stream(contact.id), type: "note.added", encoding: note, correlationID: context.request.correlationID)
            let position = try await engine.events.append(draft).position
            return try context.json(
                TimelineEntryDTO(position: position, type: draft.type, occurredAt: draft.occurredAt, data: JSONDocumentValue(raw: draft.payload), message: nil),
                status: .created
            )
        },
    ]

    /// The path's contact in the path's clinic (merged contacts answer with their successor's id).
    static func contact(_ context: APIContext) async throws -> Contact {
        let clinic = try context.requiredClinic
        let id = try context.id("contactID")
        guard let contact = try await context.services.engine.contacts.find(id: id, clinicID: clinic.id) else {
            throw Abort(.notFound, reason: "no contact \(id)")
        }
        if let successor = contact.mergedInto {
            throw Abort(.gone, reason: "contact \(id) was merged into \(successor)")
        }
        return contact
    }

    static func parse(_ input: ContactInput, clinic: Clinic) throws -> (PhoneNumber?, String?) {
        var phone: PhoneNumber?
        if let raw = input.phone, !raw.isEmpty {
            switch PhoneNumber.parse(raw, defaultRegion: clinic.defaultRegion) {
            case .success(let number): phone = number
            case .failure(let error): throw Abort(.unprocessableEntity, reason: "phone: \(error.description)")
            }
        }
        var email: String?
        if let raw = input.email, !raw.isEmpty {
            guard let normalized = EmailAddress.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "email: \(raw) is not an email address") }
            email = normalized
        }
        return (phone, email)
    }
}

extension String {
    var nilIfBlank: String? { trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : trimmingCharacters(in: .whitespacesAndNewlines) }
}
