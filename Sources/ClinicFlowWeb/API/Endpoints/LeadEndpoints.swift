import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Vapor

enum LeadEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/leads", operationID: "listLeads", summary: "Leads, most recently changed first.",
            tag: "leads", access: .clinic(.viewer),
            query: [
                .limit, .offset, Parameter(name: "stage", schema: .string(), description: "Stage key."),
                Parameter(name: "status", schema: .string(enumValues: LeadStatus.allCases.map(\.rawValue)), description: "open, won or lost."),
                Parameter(name: "owner_id", schema: .uuid, description: "Owner."), Parameter(name: "department", schema: .string(), description: "Team key."),
                Parameter(name: "source", schema: .string(), description: "Provider the lead came from."),
            ],
            response: Page<LeadDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            var status: LeadStatus?
            if let text = context.stringQuery("status") {
                guard let parsed = LeadStatus(rawValue: text) else { throw Abort(.badRequest, reason: "status must be open, won or lost") }
                status = parsed
            }
            let query = LeadRepository.Query(
                stage: context.stringQuery("stage"), status: status, ownerID: try context.uuidQuery("owner_id"),
                department: context.stringQuery("department"), source: context.stringQuery("source"), limit: limit, offset: offset
            )
            let result = try await context.services.engine.leads.list(clinicID: try context.requiredClinic.id, query)
            return try context.json(Page(items: result.items.map(LeadDTO.init), total: result.total, limit: limit, offset: offset))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/leads", operationID: "createLead",
            summary: "Open a lead for a contact (one open lead per contact: 409 if it has one).", tag: "leads",
            access: .clinic(.consultant), requestBody: CreateLeadRequest.self, successStatus: .created, response: LeadDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(CreateLeadRequest.self)
            let engine = context.services.engine
            guard let contact = try await engine.contacts.find(id: body.contactId, clinicID: clinic.id), contact.mergedInto == nil else {
                throw Abort(.notFound, reason: "no contact \(body.contactId)")
            }
            if let open = try await engine.leads.openLead(contactID: contact.id) {
                throw Abort(.conflict, reason: "contact already has open lead \(open.id)")
            }
            let pipeline = try await engine.pipelines.pipeline(clinicID: clinic.id)
            let stage = try openStage(body.stage ?? pipeline.entryStage.key, in: pipeline)
            if let owner = body.ownerId { try await requireMember(owner, clinic: clinic, context) }
            let user = try context.principalUser
            let lead = try await engine.store.db.withTransaction { transaction in
                let lead = try await engine.leads.create(Lead(
                    id: .timeOrdered(), clinicID: clinic.id, contactID: contact.id, stage: stage.key, ownerID: body.ownerId,
                    department: body.department, source: "manual", utm: body.utm?.utm ?? .init(), procedure: body.procedure,
                    valueMinor: body.valueMinor, currency: body.currency?.uppercased(), stageEnteredAt: Date()
                ), on: transaction)
                try await append(CRMEvents.LeadCreated(
                    leadID: lead.id, stage: lead.stage, source: "manual", channelID: nil, department: lead.department, utm: lead.utm,
                    procedure: lead.procedure
                ), type: "lead.created", contactID: contact.id, clinicID: clinic.id, context, transaction)
                if let owner = body.ownerId {
                    try await append(CRMEvents.LeadAssigned(leadID: lead.id, ownerID: owner, previousOwnerID: nil, by: user.id, reason: "manual"),
                                     type: "lead.assigned", contactID: contact.id, clinicID: clinic.id, context, transaction)
                }
                return lead
            }
            return try context.json(LeadDTO(lead), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/leads/{leadID}", operationID: "getLead", summary: "One lead.", tag: "leads",
            access: .clinic(.viewer), response: LeadDTO.self
        ) { context in
            try context.json(LeadDTO(try await lead(context)))
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}/leads/{leadID}", operationID: "updateLead",
            summary: "Move a lead to another stage, assign it, or change what it is worth. Each change lands on the timeline.",
            tag: "leads", access: .clinic(.consultant), requestBody: UpdateLeadRequest.self, response: LeadDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let original = try await lead(context)
            let body = try context.decode(UpdateLeadRequest.self)
            let engine = context.services.engine
            let user = try context.principalUser
            var lead = original
            var changed: [String] = []
            let now = Date()
            if let key = body.stage, key != lead.stage {
                let pipeline = try await engine.pipelines.pipeline(clinicID: clinic.id)
                guard let stage = pipeline.stage(key) else {
                    throw Abort(.unprocessableEntity, reason: "\(key) is not a stage of this clinic (\(pipeline.stages.map(\.key).joined(separator: ", ")))")
                }
                if lead.status != .open, stage.outcome == .open {
                    // Reopening: allowed unless the contact has another open lead now.
                    if let other = try await engine.leads.openLead(contactID: lead.contactID), other.id != lead.id {
                        throw Abort(.conflict, reason: "the contact has another open lead \(other.id)")
                    }
                }
                // Leaving the first stage by hand means someone reached the person.
                if lead.firstResponseAt == nil, lead.stage == pipeline.entryStage.key { lead.firstResponseAt = now }
                lead.stage = stage.key
                lead.status = LeadStatus(stage.outcome)
                lead.stageEnteredAt = now
                lead.closedAt = stage.outcome == .open ? nil : now
            }
            if let owner = body.ownerId, owner != lead.ownerID {
                if let owner { try await requireMember(owner, clinic: clinic, context) }
                lead.ownerID = owner
            }
            if let department = body.department, department != lead.department { lead.department = department.nilIfBlank; changed.append("department") }
            if let procedure = body.procedure, procedure != lead.procedure { lead.procedure = procedure.nilIfBlank; changed.append("procedure") }
            if let value = body.valueMinor, value != lead.valueMinor {
                guard value >= 0 else { throw Abort(.unprocessableEntity, reason: "value_minor must not be negative") }
                lead.valueMinor = value
                changed.append("value_minor")
            }
            if let currency = body.currency?.uppercased(), currency != lead.currency {
                guard currency.count == 3, currency.allSatisfy(\.isLetter) else { throw Abort(.unprocessableEntity, reason: "currency must be an ISO 4217 code such as BRL") }
                lead.currency = currency
                changed.append("currency")
            }
            let updated = lead
            let fields = changed
            try await engine.store.db.withTransaction { transaction in
                try await engine.leads.save(updated, on: transaction)
                if updated.stage != original.stage {
                    try await append(CRMEvents.LeadStageChanged(leadID: updated.id, from: original.stage, to: updated.stage, status: updated.status, by: user.id, reason: body.reason),
                                     type: "lead.stage_changed", contactID: updated.contactID, clinicID: clinic.id, context, transaction)
                }
                if updated.ownerID != original.ownerID {
                    try await append(CRMEvents.LeadAssigned(leadID: updated.id, ownerID: updated.ownerID, previousOwnerID: original.ownerID, by: user.id, reason: body.reason ?? "manual"),
                                     type: "lead.assigned", contactID: updated.contactID, clinicID: clinic.id, context, transaction)
                }
                if !fields.isEmpty {
                    try await append(CRMEvents.LeadUpdated(leadID: updated.id, fields: fields, by: user.id),
                                     type: "lead.updated", contactID: updated.contactID, clinicID: clinic.id, context, transaction)
                }
            }
            return try context.json(LeadDTO(try await engine.leads.find(id: updated.id, clinicID: clinic.id) ?? updated))
        },
    ]

    static func lead(_ context: APIContext) async throws -> Lead {
        let id = try context.id("leadID")
        guard let lead = try await context.services.engine.leads.find(id: id, clinicID: try context.requiredClinic.id) else {
            throw Abort(.notFound, reason: "no lead \(id)")
        }
        return lead
    }

    static func openStage(_ key: String, in pipeline: Pipeline) throws -> PipelineStage {
        guard let stage = pipeline.stage(key), stage.outcome == .open else {
            throw Abort(.unprocessableEntity, reason: "\(key) is not an open stage of this clinic")
        }
        return stage
    }

    /// Owners must be active users of the clinic (or admins over it).
    static func requireMember(_ userID: UUID, clinic: Clinic, _ context: APIContext) async throws {
        let users = try await context.services.engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
        guard users.contains(where: { $0.id == userID && $0.active && $0.role >= .consultant }) else {
            throw Abort(.unprocessableEntity, reason: "user \(userID) is not an active consultant of this clinic")
        }
    }

    static func append<Payload: Encodable>(
        _ payload: Payload, type: String, contactID: UUID, clinicID: UUID, _ context: APIContext, _ database: any Database
    ) async throws {
        try await context.services.engine.events.append(
            try EventDraft(clinicID: clinicID, stream: Contact.stream(contactID), type: type, encoding: payload, correlationID: context.request.correlationID),
            on: database
        )
    }
}

import FluentKit
