import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation

/// `crm.activity`: what a CRM hears about besides contact fields — a HOT lead in HubSpot (contact,
/// timeline note, call task) and a booking in Twenty (an opportunity). Each step records an event
/// when done, so a retried job picks up after the last finished step instead of repeating it.
public struct CRMActivityJob: Sendable {
    public static let kind = "crm.activity"

    public enum Activity: String, Codable, Sendable {
        case hubspotHotLead = "hubspot_hot_lead", twentyOpportunity = "twenty_opportunity"
    }

    public struct Payload: Codable, Sendable, Equatable {
        public var activity: Activity
        public var contactID: UUID
        public var leadID: UUID?
        /// Twenty: the opportunity's name and the booking it is for.
        public var title: String?
        public var reference: String?
        public var at: Date?
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload, context: context)
        }
    }

    static func request(_ payload: Payload, clinicID: UUID, key: String, correlationID: String?) throws -> JobRequest {
        try JobRequest(kind: kind, encoding: payload, idempotencyKey: "\(kind):\(payload.activity.rawValue):\(key)", maxAttempts: 8, clinicID: clinicID, correlationID: correlationID)
    }

    func run(_ payload: Payload, context: JobContext) async throws {
        guard let clinicID = context.job.clinicID, let contact = try await components.contacts.find(id: payload.contactID, clinicID: clinicID) else { return }
        let system: SyncSystem = payload.activity == .hubspotHotLead ? .hubspot : .twenty
        let sync = CRMSync(components: components)
        guard case .success(let connection) = try await sync.connection(system, clinicID: clinicID) else { return }
        let step = Steps(components: components, clinicID: clinicID, contactID: contact.id, key: context.job.id.text(lowercase: true), context: context)
        do {
            let personID = try await person(contact, system: system, sync: sync, connection: connection, clinicID: clinicID)
            switch payload.activity {
            case .hubspotHotLead:
                let client = HubSpotClient(connection: connection)
                let lead = try await payload.leadID.asyncMap { try await components.leads.find(id: $0, clinicID: clinicID) } ?? nil
                let history = try await payload.leadID.asyncMap { try await components.scoring.history(leadID: $0, clinicID: clinicID, limit: 1) } ?? []
                let reasons = history.first?.score.reasons.joined(separator: "; ") ?? ""
                let summary = "HOT lead from ClinicFlow: score \(lead?.score.map(String.init) ?? "?")/5" + (lead?.procedure.map { ", \($0)" } ?? "") + (reasons.isEmpty ? "" : ". \(reasons)")
                try await step.once("hubspot.note") { () async throws(CRMError) in try await client.addNote(contactID: personID, text: summary, at: components.queue.now) }
                try await step.once("hubspot.task") { () async throws(CRMError) in
                    try await client.addTask(contactID: personID, subject: "Call \(contact.name ?? "the patient") today (HOT lead)", body: summary, due: components.queue.now.addingTimeInterval(3600))
                }
            case .twentyOpportunity:
                let client = TwentyClient(connection: connection)
                try await step.once("twenty.opportunity") { () async throws(CRMError) in
                    try await client.createOpportunity(
                        name: payload.title ?? "Appointment", personID: personID, amountMinor: nil, currency: nil, stage: "MEETING", closeDate: payload.at
                    )
                }
            }
        } catch let error as CRMError {
            throw jobError(error)
        }
    }

    /// The contact's record in the CRM, created or updated first so the activity has somewhere to go.
    private func person(_ contact: Contact, system: SyncSystem, sync: CRMSync, connection: CRMConnection, clinicID: UUID) async throws -> String {
        let link = try await components.sync.link(contactID: contact.id, system: system)
        let hash = CRMSync.fingerprint(contact).hash
        if let id = link?.externalID, link?.contentHash == hash { return id }
        let (id, _) = try await sync.push(contact, to: system, connection: connection, link: link)
        try await components.sync.save(contactID: contact.id, clinicID: clinicID, system: system, externalID: id, contentHash: hash)
        return id
    }

    /// Steps of one job that must not repeat: each leaves an event with the CRM's id when done.
    struct Steps {
        let components: EngineComponents
        let clinicID: UUID
        let contactID: UUID
        let key: String
        let context: JobContext

        func once(_ name: String, _ body: () async throws(CRMError) -> String) async throws {
            let idempotencyKey = "crm.step:\(key):\(name)"
            if try await components.events.event(idempotencyKey: idempotencyKey) != nil { return }
            let id = try await body()
            try await components.events.append(try EventDraft(
                clinicID: clinicID, stream: Contact.stream(contactID), type: "crm.\(name.replacingOccurrences(of: ".", with: "_"))_created",
                encoding: ["id": id], correlationID: context.job.correlationID, causationID: "job:\(context.job.id.text(lowercase: true))",
                idempotencyKey: idempotencyKey
            ))
        }
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
