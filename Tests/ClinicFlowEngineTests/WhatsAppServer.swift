import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Synchronization
import Vapor

/// A loopback Graph API that accepts only Meta's exact send format: bearer token, JSON content
/// type, `messaging_product`, `to`, and a well-formed `text` or `template`. It answers like Meta
/// (a wamid) or, when told to, with an error or silence.
final class WhatsAppServer: Sendable {
    enum Mode: Sendable, Equatable { case accept, serverError, reEngagement, hang }

    final class Setting: Sendable {
        let value = Mutex(Mode.accept)
        /// Answer 503 to this many requests first, whatever the mode.
        let failuresLeft = Mutex(0)
        /// What was accepted: texts, or `template:<name>`.
        let accepted = Mutex<[String]>([])
    }

    let server: LoopbackServer
    let setting: Setting
    static let phoneNumberID = "106540352242922"
    static let token = "EAAG-test-token"

    private init(server: LoopbackServer, setting: Setting) {
        self.server = server
        self.setting = setting
    }

    var mode: Mode {
        get { setting.value.withLock { $0 } }
        set { setting.value.withLock { $0 = newValue } }
    }

    static func start() async throws -> WhatsAppServer {
        let setting = Setting()
        let counter = Mutex(0)
        let server = try await LoopbackServer.start([(.POST, "v21.0/\(phoneNumberID)/messages", { request in
            guard request.header("Authorization") == "Bearer \(token)" else {
                return LoopbackServer.json(["error": ["message": "Invalid OAuth access token", "type": "OAuthException", "code": 190]], status: .unauthorized)
            }
            if let problem = Self.problem(request) {
                return LoopbackServer.json(["error": ["message": problem, "type": "OAuthException", "code": 100]], status: .badRequest)
            }
            if setting.failuresLeft.withLock({ left in defer { left = max(0, left - 1) }; return left > 0 }) {
                return LoopbackServer.json(["error": ["message": "Service temporarily unavailable", "code": 2]], status: .serviceUnavailable)
            }
            switch setting.value.withLock({ $0 }) {
            case .accept: break
            case .serverError: return LoopbackServer.json(["error": ["message": "Service temporarily unavailable", "code": 2]], status: .serviceUnavailable)
            case .reEngagement:
                if request.json?["type"] as? String == "text" {
                    return LoopbackServer.json(["error": ["message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047]], status: .badRequest)
                }
            case .hang:
                try await Task.sleep(for: .seconds(3))
            }
            let number = counter.withLock { value -> Int in value += 1; return value }
            if let json = request.json {
                let what = (json["text"] as? [String: Any])?["body"] as? String ?? "template:\((json["template"] as? [String: Any])?["name"] as? String ?? "")"
                setting.accepted.withLock { $0.append(what) }
            }
            let to = request.json?["to"] as? String ?? ""
            return LoopbackServer.json([
                "messaging_product": "whatsapp", "contacts": [["input": to, "wa_id": to.replacingOccurrences(of: "+", with: "")]],
                "messages": [["id": "wamid.out.\(number)"]],
            ])
        })])
        return WhatsAppServer(server: server, setting: setting)
    }

    /// What is wrong with a send request, judged by the Cloud API's documented shape.
    static func problem(_ request: LoopbackServer.Received) -> String? {
        guard request.header("Content-Type")?.hasPrefix("application/json") == true else { return "content type must be JSON" }
        guard let json = request.json else { return "body is not JSON" }
        guard json["messaging_product"] as? String == "whatsapp" else { return "messaging_product must be whatsapp" }
        guard let to = json["to"] as? String, to.hasPrefix("+"), to.dropFirst().allSatisfy(\.isNumber) else { return "to must be an E.164 number" }
        switch json["type"] as? String {
        case "text":
            guard let text = json["text"] as? [String: Any], let body = text["body"] as? String, !body.isEmpty, body.count <= 4096 else { return "text.body missing" }
        case "template":
            guard let template = json["template"] as? [String: Any], template["name"] is String,
                let language = template["language"] as? [String: Any], language["code"] is String
            else { return "template needs name and language.code" }
        default: return "unsupported type"
        }
        return nil
    }

    /// The texts (or template names) that were accepted, in order.
    var sent: [String] { setting.accepted.withLock { $0 } }

    func failNext(_ count: Int) { setting.failuresLeft.withLock { $0 = count } }

    var baseURL: String { server.baseURL + "/v21.0" }

    func stop() async { await server.stop() }
}

/// A harness on a fresh store of `database` with a Meta channel that sends to a loopback Cloud API.
func withWhatsApp(
    _ database: TestDatabase, retryPolicy: RetryPolicy = .default, _ body: (IntakeHarness, WhatsAppServer, ClinicChannel) async throws -> Void
) async throws {
    let whatsapp = try await WhatsAppServer.start()
    do {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store, retryPolicy: retryPolicy)
            try await body(harness, whatsapp, try await harness.sendingChannel(whatsapp))
        }
    } catch {
        await whatsapp.stop()
        throw error
    }
    await whatsapp.stop()
}

extension IntakeHarness {
    /// A Meta channel that sends through `whatsapp`.
    func sendingChannel(_ whatsapp: WhatsAppServer) async throws -> ClinicChannel {
        try await components.channels.create(
            ClinicChannel(
                clinicID: clinic.id, provider: .meta, name: "WhatsApp", businessNumber: "+5511940028922", businessAccountID: WhatsAppServer.phoneNumberID,
                settings: ChannelSettings(apiBaseURL: whatsapp.baseURL)
            ),
            credentials: ChannelCredentials(["app_secret": "s", "access_token": WhatsAppServer.token])
        )
    }

    /// A dentist free on weekdays 09:00–18:00, and the assistant on with a price list.
    func setUpAssistant(useLLM: Bool = false) async throws -> Practitioner {
        let hours = try WorkingHours(["mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]])
        let dentist = try await components.scheduling.create(Practitioner(clinicID: clinic.id, name: "Dra. Ana", availability: hours))
        try await components.scoring.saveAssistantSettings(AssistantSettings(
            enabled: true, useLLM: useLLM,
            priceList: [PriceItem(procedure: "implant", name: "Implante dentário", priceCents: 350_000, currency: "BRL", maxInstallments: 10)],
            templates: ["pt": WhatsAppTemplate(name: "retomar_conversa", languageCode: "pt_BR", parameters: ["{name}"])], quietHours: nil
        ), clinicID: clinic.id)
        return dentist
    }

    /// A WhatsApp text from Maria, sent now (the assistant does not answer day-old messages).
    func say(_ text: String, id: String, on channel: ClinicChannel, at date: Date = Date()) async throws {
        try await deliver(Self.metaMessage(id: id, from: "5511987654321", name: "Maria", text: text, timestamp: Int(date.timeIntervalSince1970)), to: channel, at: date)
    }

    func conversation() async throws -> Conversation? {
        try await components.conversations.list(clinicID: clinic.id).items.first
    }

    func outbound() async throws -> [Message] {
        guard let conversation = try await conversation() else { return [] }
        return try await components.conversations.messages(conversationID: conversation.id, clinicID: clinic.id).filter { $0.direction == .outbound }
    }
}
