import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
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
        "inbound:\(channelID.text(lowercase: true)):\(event.kind):\(event.providerEventID)"
    }

    public static func stream(channelID: UUID) -> String { "channel-\(channelID.text(lowercase: true))" }

    /// On SQLite, deliveries normalised in one transaction when several are due (`JobWorker`
    /// batches): under load their commits, and the pages each commit writes to the WAL, are shared
    /// (half the bytes written per lead). On PostgreSQL jobs run side by side on several
    /// connections, which a batch would serialise: measured slower there, so not used. Batches fill
    /// only under a backlog; there 48 rather than 16 raised the sustained rate from about 960 to
    /// about 990 leads/s and cut p99 at 1,000 leads/s offered by three quarters (docs/benchmarks.md,
    /// tenth session): fewer leases, commits and WAL pages per lead.
    public static let batchLimit = 48

    public func register(in registry: inout JobRegistry) {
        registry.register(DeliveryStore.normalizeJobKind, payload: DeliveryStore.NormalizePayload.self) { payload, context in
            try await run(payload.deliveryID, context: context)
        }
        guard components.store.kind == .sqlite else { return }
        registry.registerBatch(DeliveryStore.normalizeJobKind, payload: DeliveryStore.NormalizePayload.self, limit: Self.batchLimit) { jobs in
            await run(batch: jobs.map { ($0.0.deliveryID, $0.1) })
        }
    }

    /// A delivery read and normalised, ready to be taken in.
    @dynamicMemberLookup
    struct Prepared: Sendable {
        var loaded: Loaded
        var events: [InboundEvent]
        var drafts: [EventDraft]

        subscript<Value>(dynamicMember path: KeyPath<Loaded, Value>) -> Value { loaded[keyPath: path] }
    }

    func run(_ deliveryID: UUID, context: JobContext) async throws {
        let loaded = try await load(deliveryID, context: context)
        try await takeInAlone(try await prepared(loaded, Self.normalize(loaded)))
    }

    private func takeInAlone(_ prepared: Prepared) async throws {
        do {
            try await components.store.db.withTransaction { transaction in try await takeIn(prepared, on: transaction) }
        } catch {
            try await recover(prepared, from: error)
        }
    }

    /// Several deliveries in one transaction (`eachInOneTransaction`): one that fails is rolled back
    /// alone and then handled as a single run would handle it (its fallback jobs). If the
    /// transaction itself fails, each delivery runs alone.
    func run(batch jobs: [(deliveryID: UUID, context: JobContext)]) async -> [Result<Void, any Error>] {
        var results = [Result<Void, any Error>](repeating: .success(()), count: jobs.count)
        var loaded: [(index: Int, delivery: Loaded)] = []
        for (index, job) in jobs.enumerated() {
            do {
                loaded.append((index, try await load(job.deliveryID, context: job.context)))
            } catch {
                results[index] = .failure(error)
            }
        }
        // Parsing the bodies and writing the events' JSON needs no database: done on another core
        // while SQLite's thread runs other statements (it is the one that bounds the rate).
        let normalized = await withTaskExecutorPreference(globalConcurrentExecutor) { [loaded] in loaded.map { Self.normalize($0.delivery) } }
        var prepared: [(index: Int, delivery: Prepared)] = []
        for ((index, delivery), normalized) in zip(loaded, normalized) {
            do {
                prepared.append((index, try await self.prepared(delivery, normalized)))
            } catch {
                results[index] = .failure(error)
            }
        }
        guard !prepared.isEmpty else { return results }
        let failures: [(index: Int, delivery: Prepared, error: any Error)]
        do {
            failures = try await components.store.db.eachInOneTransaction(prepared) { item, transaction in
                try await takeIn(item.delivery, on: transaction)
            }
            .map { ($0.item.index, $0.item.delivery, $0.error) }
        } catch {
            prepared.first?.delivery.context.logger.warning("normalising deliveries together failed; each runs alone", metadata: [
                "deliveries": "\(prepared.count)", "error_type": "\(type(of: error))",
            ])
            for (index, delivery) in prepared {
                results[index] = await .of { try await takeInAlone(delivery) }
            }
            return results
        }
        for (index, delivery, error) in failures {
            results[index] = await .of { try await recover(delivery, from: error) }
        }
        return results
    }

    /// A delivery with its channel, clinic and settings, read outside any transaction.
    struct Loaded: Sendable {
        var delivery: StoredDelivery
        var channel: ClinicChannel
        var clinic: Clinic
        var settings: FollowUpSettings
        var now: Date
        var context: JobContext
    }

    private func load(_ deliveryID: UUID, context: JobContext) async throws -> Loaded {
        guard let delivery = try await deliveries.find(id: deliveryID) else {
            throw PermanentJobError("delivery \(deliveryID) no longer exists")
        }
        guard let channel = try await channels.find(id: delivery.channelID) else {
            throw PermanentJobError("the channel of delivery \(deliveryID) no longer exists")
        }
        guard let clinic = try await components.clinics.find(id: delivery.clinicID) else {
            throw PermanentJobError("the clinic of delivery \(delivery.id) no longer exists")
        }
        // Read before the transaction, where recent copies may answer; intake never changes them.
        let (scoring, llmAPIKey) = try await components.scoring.settings(clinicID: clinic.id)
        let settings = FollowUpSettings(scoring: scoring, llmAPIKey: llmAPIKey, assistant: try await components.scoring.assistantSettings(clinicID: clinic.id))
        return Loaded(delivery: delivery, channel: channel, clinic: clinic, settings: settings, now: context.queue.now, context: context)
    }

    /// What a delivery means, and its events as drafts: no database, so it can run on any thread.
    enum Normalized: Sendable {
        case events([InboundEvent], drafts: [EventDraft])
        /// The adapter could not read a body the gateway had accepted: a bug in a normaliser.
        case unreadable(any Error)
        case failed(any Error)
    }

    private static func normalize(_ loaded: Loaded) -> Normalized {
        let (delivery, channel) = (loaded.delivery, loaded.channel)
        let events: [InboundEvent]
        do {
            events = try WebhookAdapters.adapter(for: delivery.provider).normalize(
                DeliveryContent(body: delivery.body, mediaType: delivery.mediaType, receivedAt: delivery.receivedAt), channel: channel
            )
        } catch {
            return .unreadable(error)
        }
        do {
            let drafts = try events.map { event in
                try EventDraft(
                    clinicID: delivery.clinicID, stream: stream(channelID: channel.id), type: eventType(event),
                    encoding: InboundEnvelope(deliveryID: delivery.id, channelID: channel.id, event: event),
                    occurredAt: event.occurredAt ?? delivery.receivedAt, correlationID: delivery.correlationID,
                    causationID: "delivery:\(delivery.id.text(lowercase: true))",
                    idempotencyKey: idempotencyKey(channelID: channel.id, event: event)
                )
            }
            return .events(events, drafts: drafts)
        } catch {
            return .failed(error)
        }
    }

    private func prepared(_ loaded: Loaded, _ normalized: Normalized) async throws -> Prepared {
        switch normalized {
        case .events(let events, let drafts):
            return Prepared(loaded: loaded, events: events, drafts: drafts)
        case .unreadable(let error):
            // Keep the delivery, say why.
            try await deliveries.markFailed(loaded.delivery.id, error: String(describing: error), at: loaded.now)
            throw PermanentJobError("delivery \(loaded.delivery.id) could not be normalised: \(error)")
        case .failed(let error):
            throw error
        }
    }

    /// After taking the delivery in failed: the job's own errors stand; anything else (a bug, a
    /// broken row) records the events with an `inbound.process` job each instead.
    private func recover(_ prepared: Prepared, from error: any Error) async throws {
        if error is PermanentJobError || error is CancellationError || error is LeaseLostError { throw error }
        let cause = (error as? FollowUpFailed)?.underlying ?? error
        prepared.context.logger.warning("intake inside normalisation failed; queueing it as its own jobs", metadata: ["error_type": "\(type(of: cause))"])
        try await normalizeAndQueue(prepared.delivery, drafts: prepared.drafts, at: prepared.now, context: prepared.context)
    }

    /// The usual path: events recorded and taken in, with marking the delivery processed and the
    /// job done, in `transaction`.
    private func takeIn(_ prepared: Prepared, on transaction: any Database) async throws {
        let (delivery, clinic, channel, context) = (prepared.delivery, prepared.clinic, prepared.channel, prepared.context)
        for (draft, event) in zip(prepared.drafts, prepared.events) {
            // An event already recorded (re-sent in another delivery) is already taken in.
            guard case .appended = try await context.events.append(draft, on: transaction) else { continue }
            let intake = Intake(
                components: components, database: transaction, clinic: clinic, channel: channel, event: event,
                eventKey: draft.idempotencyKey, occurredAt: draft.occurredAt, correlationID: draft.correlationID
            )
            try await intake.claimRecordedHere()
            try await intake.apply()
            try await intake.runFollowUps(prepared.settings)
        }
        try await components.deliveries.markProcessed(delivery.id, eventCount: prepared.drafts.count, at: prepared.now, on: transaction)
        guard try await context.complete(on: transaction) else { throw LeaseLostError() }
        context.logger.debug("delivery normalised", metadata: ["events": "\(prepared.drafts.count)", "provider": "\(delivery.provider.rawValue)"])
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
