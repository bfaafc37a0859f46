import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation

/// A clinic with channels on a real database, and the real engine processing what arrives.
struct IntakeHarness {
    let components: EngineComponents
    let worker: JobWorker
    let clinic: Clinic

    init(store: Store, region: String = "BR", sendTimeout: TimeInterval = 15, retryPolicy: RetryPolicy = .default, clock: @escaping @Sendable () -> Date = { Date() }) async throws {
        let components = EngineComponents(
            store: store, secretBox: SecretBox(key: (0..<32).map { UInt8($0 * 7 % 251) }), defaultMaxAttempts: 3, sendTimeout: sendTimeout, clock: clock
        )
        self.components = components
        worker = JobWorker(
            queue: components.queue, events: components.events, registry: ClinicFlowJobs.registry(components),
            configuration: WorkerConfiguration(concurrency: 4, leaseDuration: 30, retryPolicy: retryPolicy), logger: .quiet
        )
        clinic = try await components.clinics.create(Clinic(name: "Clínica Sorriso", slug: "sorriso-\(UUID().uuidString.prefix(6).lowercased())", timeZone: "America/Sao_Paulo", defaultRegion: region))
    }

    func channel(_ provider: Provider, department: String? = nil) async throws -> ClinicChannel {
        try await components.channels.create(
            ClinicChannel(clinicID: clinic.id, provider: provider, name: provider.displayName, department: department),
            credentials: ChannelCredentials(["app_secret": "s"])
        )
    }

    /// Stores a delivery as the gateway would and runs every job it leads to.
    func deliver(_ body: String, to channel: ClinicChannel, mediaType: String = "application/json", at date: Date = Date()) async throws {
        try await store(body, to: channel, mediaType: mediaType, at: date)
        await worker.drain()
    }

    /// Stores a delivery as the gateway would; its normalisation job waits in the queue.
    func store(_ body: String, to channel: ClinicChannel, mediaType: String = "application/json", at date: Date = Date()) async throws {
        let request = WebhookRequest(url: "https://x", headers: HeaderFields([("Content-Type", mediaType)]), body: Array(body.utf8), receivedAt: date)
        let identity = try WebhookAdapters.adapter(for: channel.provider).inspect(request)
        _ = try await components.deliveries.record([NewDelivery(
            clinicID: clinic.id, channelID: channel.id, provider: channel.provider, dedupeKey: identity.dedupeKey,
            eventType: identity.eventType, mediaType: mediaType, body: Array(body.utf8), correlationID: "test", receivedAt: date
        )])
    }

    func count(_ table: String) async throws -> Int {
        try await components.store.sql().raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE clinic_id = \(bind: clinic.id)")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    static func metaMessage(id: String, from waID: String, name: String, text: String, timestamp: Int = 1_749_416_383, referral: String = "") -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"\#(name)"},"wa_id":"\#(waID)"}],"messages":[{"from":"\#(waID)","id":"\#(id)","timestamp":"\#(timestamp)","type":"text","text":{"body":"\#(text)"}\#(referral)}]}}]}]}"#
    }

    static func metaStatus(id: String, status: String, recipient: String) -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"statuses":[{"id":"\#(id)","status":"\#(status)","timestamp":"1749416400","recipient_id":"\#(recipient)"}]}}]}]}"#
    }
}
