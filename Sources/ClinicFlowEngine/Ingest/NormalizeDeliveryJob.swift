import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation

/// `delivery.normalize`: turns a stored delivery into `inbound.*` events and takes each new one in
/// (contact, lead, conversation, message: `Intake`), in one transaction with marking the delivery
/// processed. Event idempotency keys come from provider ids, so a delivery processed twice (a
/// crashed worker) or an event re-sent in another delivery is recorded once.
///
/// Taking the events in here rather than in an `inbound.process` job per event saves a job and a
/// transaction per lead; so does scoring and answering here when that needs no network
/// (`IntakeFollowUps`). If the intake fails, that transaction is rolled back and the events are
/// recorded again with an `inbound.process` job each, as before: one bad event then retries (and
/// dead-letters) alone instead of holding back the delivery's other events.
public struct NormalizeDeliveryJob: Sendable {
    let components: EngineComponents
    var deliveries: DeliveryStore { components.deliveries }
    var channels: ChannelRepository { components.channels }

    public init(components: EngineComponents) { self.components = components }

    public static func eventType(_ event: InboundEvent) -> String { "inbound.\(event.kind)" }

    public static func idempotencyKey(channelID: UUID, event: InboundEvent) -> String {
        "inbound:\(channelID.uuidString.lowercased()):\(event.kind):\(event.providerEventID)"
    }

    public static func stream(channelID: UUID) -> String { "channel-\(channelID.uuidString.lowercased())" }

    public func register(in registry: inout JobRegistry) {
        registry.register(DeliveryStore.normalizeJobKind, payload: DeliveryStore.NormalizePayload.self) { payload, context in
            try await run(payload.deliveryID, context: context)
        }
    }

    func run(_ deliveryID: UUID, context: JobContext) async throws {
        guard let delivery = try await deliveries.find(id: deliveryID) else {
            throw PermanentJobError("delivery \(deliveryID) no longer exists")
        }
        guard let channel = try await channels.find(id: delivery.channelID) else {
            throw PermanentJobError("the channel of delivery \(deliveryID) no longer exists")
        }
        let adapter = WebhookAdapters.adapter(for: delivery.provider)
        let events: [InboundEvent]
        do {
            events = try adapter.normalize(
                DeliveryContent(body: delivery.body, mediaType: delivery.mediaType, receivedAt: delivery.receivedAt), channel: channel
            )
        } catch {
            // The gateway validated this body, so this is a bug in a normaliser: keep the delivery, say why.
            try await deliveries.markFailed(deliveryID, error: String(describing: error), at: context.queue.now)
            throw PermanentJobError("delivery \(deliveryID) could not be normalised: \(error)")
        }
        let drafts = try events.map { event in
            try EventDraft(
                clinicID: delivery.clinicID, stream: Self.stream(channelID: channel.id), type: Self.eventType(event),
                encoding: InboundEnvelope(deliveryID: delivery.id, channelID: channel.id, event: event),
                occurredAt: event.occurredAt ?? delivery.receivedAt, correlationID: delivery.correlationID,
                causationID: "delivery:\(delivery.id.uuidString.lowercased())",
                idempotencyKey: Self.idempotencyKey(channelID: channel.id, event: event)
            )
        }
        let now = context.queue.now
        do {
            try await normalizeAndTakeIn(delivery, drafts: drafts, events: events, channel: channel, at: now, context: context)
        } catch let error where error is PermanentJobError || error is CancellationError || error is LeaseLostError {
            throw error
        } catch {
            let cause = (error as? FollowUpFailed)?.underlying ?? error
            context.logger.warning("intake inside normalisation failed; queueing it as its own jobs", metadata: ["error_type": "\(type(of: cause))"])
            try await normalizeAndQueue(delivery, drafts: drafts, at: now, context: context)
        }
        context.logger.debug("delivery normalised", metadata: ["events": "\(drafts.count)", "provider": "\(delivery.provider.rawValue)"])
    }

    /// The usual path: events recorded and taken in, in one transaction.
    private func normalizeAndTakeIn(
        _ delivery: StoredDelivery, drafts: [EventDraft], events: [InboundEvent], channel: ClinicChannel, at now: Date, context: JobContext
    ) async throws {
        guard let clinic = try await components.clinics.find(id: delivery.clinicID) else {
            throw PermanentJobError("the clinic of delivery \(delivery.id) no longer exists")
        }
        // Read before the transaction, where recent copies may answer; intake never changes them.
        let (scoring, llmAPIKey) = try await components.scoring.settings(clinicID: clinic.id)
        let settings = FollowUpSettings(scoring: scoring, llmAPIKey: llmAPIKey, assistant: try await components.scoring.assistantSettings(clinicID: clinic.id))
        let components = self.components
        try await components.store.db.withTransaction { transaction in
            for (draft, event) in zip(drafts, events) {
                // An event already recorded (re-sent in another delivery) is already taken in.
                guard case .appended = try await context.events.append(draft, on: transaction) else { continue }
                let intake = Intake(
                    components: components, database: transaction, clinic: clinic, channel: channel, event: event,
                    eventKey: draft.idempotencyKey, occurredAt: draft.occurredAt, correlationID: draft.correlationID
                )
                guard try await intake.claim() else { continue }
                try await intake.apply()
                try await intake.runFollowUps(settings)
            }
            try await components.deliveries.markProcessed(delivery.id, eventCount: drafts.count, at: now, on: transaction)
            guard try await context.complete(on: transaction) else { throw LeaseLostError() }
        }
    }

    /// The fallback: events recorded with an `inbound.process` job each.
    private func normalizeAndQueue(_ delivery: StoredDelivery, drafts: [EventDraft], at now: Date, context: JobContext) async throws {
        let deliveries = self.deliveries
        try await context.store.db.withTransaction { transaction in
            var intake: [JobRequest] = []
            for draft in drafts {
                if case .appended = try await context.events.append(draft, on: transaction) {
                    intake.append(try InboundIntakeJob.request(for: draft, clinicID: delivery.clinicID))
                }
            }
            try await context.queue.enqueue(contentsOf: intake, on: transaction)
            try await deliveries.markProcessed(delivery.id, eventCount: drafts.count, at: now, on: transaction)
            guard try await context.complete(on: transaction) else { throw LeaseLostError() }
        }
    }
}

/// The payload of an `inbound.*` event: the normalised event and where it came from.
public struct InboundEnvelope: Codable, Sendable, Equatable {
    public var deliveryID: UUID
    public var channelID: UUID
    public var event: InboundEvent

    public init(deliveryID: UUID, channelID: UUID, event: InboundEvent) {
        self.deliveryID = deliveryID
        self.channelID = channelID
        self.event = event
    }
}
