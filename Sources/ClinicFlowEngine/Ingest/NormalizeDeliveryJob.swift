import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation

/// `delivery.normalize`: turns a stored delivery into `inbound.*` events, in one transaction with
/// the `inbound.process` job of each new event and with marking the delivery processed. Event idempotency keys come from provider ids, so a delivery
/// processed twice (a crashed worker) or an event re-sent in another delivery is recorded once.
public struct NormalizeDeliveryJob: Sendable {
    let deliveries: DeliveryStore
    let channels: ChannelRepository

    public init(deliveries: DeliveryStore, channels: ChannelRepository) {
        self.deliveries = deliveries
        self.channels = channels
    }

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
        try await context.store.db.transaction { transaction in
            var intake: [JobRequest] = []
            for draft in drafts {
                // An event already recorded (re-sent in another delivery) is already being processed.
                if case .appended = try await context.events.append(draft, on: transaction) {
                    intake.append(try InboundIntakeJob.request(for: draft, clinicID: delivery.clinicID))
                }
            }
            try await context.queue.enqueue(contentsOf: intake, on: transaction)
            try await deliveries.markProcessed(deliveryID, eventCount: drafts.count, at: now, on: transaction)
        }
        context.logger.debug("delivery normalised", metadata: ["events": "\(drafts.count)", "provider": "\(delivery.provider.rawValue)"])
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
