import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowTestSupport
import Foundation
import Testing
import Vapor

/// Each sender against a loopback server that accepts only the provider's documented request:
/// path, auth header, content type and body fields.
@Suite struct MessageSenderTests {
    func channel(_ provider: Provider, base: String, account: String? = nil, businessAccountID: String? = nil) -> ClinicChannel {
        ClinicChannel(clinicID: UUID(), provider: provider, name: "test", businessAccountID: businessAccountID, settings: ChannelSettings(apiBaseURL: base, accountID: account))
    }

    func withServer(_ routes: [(HTTPMethod, String, LoopbackServer.Handler)], _ body: (LoopbackServer) async throws -> Void) async throws {
        let server = try await LoopbackServer.start(routes)
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func metaSendsTextWithABearerTokenToThePhoneNumber() async throws {
        try await withServer([(.POST, "v21.0/106540352242922/messages", { request in
            guard request.header("Authorization") == "Bearer EAAG", request.header("Content-Type") == "application/json",
                let json = request.json, json["messaging_product"] as? String == "whatsapp", json["recipient_type"] as? String == "individual",
                json["to"] as? String == "+5511987654321", json["type"] as? String == "text",
                let text = json["text"] as? [String: Any], text["body"] as? String == "Olá!", text["preview_url"] as? Bool == false
            else { return LoopbackServer.json(["error": ["message": "bad request", "code": 100]], status: .badRequest) }
            return LoopbackServer.json(["messaging_product": "whatsapp", "contacts": [["input": "+5511987654321", "wa_id": "5511987654321"]], "messages": [["id": "wamid.ABC"]]])
        })]) { server in
            let sender = try #require(MessageSenders.sender(for: .meta))
            let outcome = await sender.send(
                OutboundMessage(to: "+5511987654321", content: .text("Olá!")),
                with: SenderConfiguration(channel: channel(.meta, base: server.baseURL + "/v21.0", businessAccountID: "106540352242922"), credentials: ChannelCredentials(["access_token": "EAAG"]))
            )
            #expect(outcome == .sent(providerMessageID: "wamid.ABC"))
        }
    }

    @Test func metaErrorsAreReadWithTheirCodeAndRetryability() async throws {
        try await withServer([
            (.POST, "v21.0/1/messages", { _ in LoopbackServer.json(["error": ["message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047]], status: .badRequest) }),
            (.POST, "v21.0/2/messages", { _ in LoopbackServer.json(["error": ["message": "(#130429) Rate limit hit", "code": 130429]], status: .tooManyRequests) }),
        ]) { server in
            let sender = try #require(MessageSenders.sender(for: .meta))
            let credentials = ChannelCredentials(["access_token": "t"])
            let reEngagement = await sender.send(OutboundMessage(to: "+1", content: .text("x")), with: .init(channel: channel(.meta, base: server.baseURL + "/v21.0", businessAccountID: "1"), credentials: credentials))
            #expect(reEngagement == .rejected(code: 131047, reason: "HTTP 400: (#131047) Re-engagement message", retryable: false))
            let limited = await sender.send(OutboundMessage(to: "+1", content: .text("x")), with: .init(channel: channel(.meta, base: server.baseURL + "/v21.0", businessAccountID: "2"), credentials: credentials))
            #expect(limited == .rejected(code: 130429, reason: "HTTP 429: (#130429) Rate limit hit", retryable: true))
            let missing = await sender.send(OutboundMessage(to: "+1", content: .text("x")), with: .init(channel: channel(.meta, base: server.baseURL, businessAccountID: "1"), credentials: ChannelCredentials()))
            #expect(missing == .rejected(code: nil, reason: "the channel needs an access_token and its phone_number_id to send", retryable: false))
        }
    }

    @Test func dialog360SendsMetasBodyWithItsAPIKeyHeader() async throws {
        try await withServer([(.POST, "messages", { request in
            guard request.header("D360-API-KEY") == "d360-key", request.header("Authorization") == nil, let json = request.json,
                json["messaging_product"] as? String == "whatsapp", json["type"] as? String == "template",
                let template = json["template"] as? [String: Any], template["name"] as? String == "lembrete",
                (template["language"] as? [String: Any])?["code"] as? String == "pt_BR",
                let components = template["components"] as? [[String: Any]], components.first?["type"] as? String == "body",
                (components.first?["parameters"] as? [[String: Any]])?.map({ $0["text"] as? String }) == ["Maria", "10:00"]
            else { return LoopbackServer.json(["error": ["message": "bad"]], status: .badRequest) }
            return LoopbackServer.json(["messaging_product": "whatsapp", "messages": [["id": "wamid.360"]]])
        })]) { server in
            let sender = try #require(MessageSenders.sender(for: .dialog360))
            let outcome = await sender.send(
                OutboundMessage(to: "+5511987654321", content: .template(WhatsAppTemplate(name: "lembrete", languageCode: "pt_BR"), parameters: ["Maria", "10:00"])),
                with: SenderConfiguration(channel: channel(.dialog360, base: server.baseURL), credentials: ChannelCredentials(["api_key": "d360-key"]))
            )
            #expect(outcome == .sent(providerMessageID: "wamid.360"))
        }
    }

    @Test func evolutionSendsTextToTheInstanceWithItsAPIKey() async throws {
        try await withServer([(.POST, "message/sendText/clinic01", { request in
            guard request.header("apikey") == "evo-key", let json = request.json, json["number"] as? String == "5511987654321", json["text"] as? String == "Olá!",
                json.count == 2
            else { return LoopbackServer.json(["status": 400, "error": "Bad Request", "response": ["message": ["invalid"]]], status: .badRequest) }
            return LoopbackServer.json(["key": ["remoteJid": "5511987654321@s.whatsapp.net", "fromMe": true, "id": "3EB0EVO"], "status": "PENDING"], status: .created)
        })]) { server in
            let sender = try #require(MessageSenders.sender(for: .evolution))
            let configuration = SenderConfiguration(channel: channel(.evolution, base: server.baseURL, businessAccountID: "clinic01"), credentials: ChannelCredentials(["api_key": "evo-key"]))
            #expect(await sender.send(OutboundMessage(to: "+5511987654321", content: .text("Olá!")), with: configuration) == .sent(providerMessageID: "3EB0EVO"))
            let template = await sender.send(OutboundMessage(to: "+5511987654321", content: .template(WhatsAppTemplate(name: "x", languageCode: "pt_BR"), parameters: [])), with: configuration)
            #expect(template == .rejected(code: nil, reason: "Evolution API sends text only (WhatsApp Web has no templates)", retryable: false))
        }
    }

    @Test func chatwootPostsAnOutgoingMessageIntoTheConversation() async throws {
        try await withServer([(.POST, "api/v1/accounts/7/conversations/10/messages", { request in
            guard request.header("api_access_token") == "cw-token", let json = request.json, json["content"] as? String == "Olá!",
                json["message_type"] as? String == "outgoing", json["private"] as? Bool == false
            else { return LoopbackServer.json(["error": "bad"], status: .unprocessableEntity) }
            return LoopbackServer.json(["id": 4321, "content": "Olá!", "message_type": 1, "conversation_id": 10])
        })]) { server in
            let sender = try #require(MessageSenders.sender(for: .chatwoot))
            let configuration = SenderConfiguration(channel: channel(.chatwoot, base: server.baseURL, account: "7"), credentials: ChannelCredentials(["api_access_token": "cw-token"]))
            #expect(await sender.send(OutboundMessage(to: "", content: .text("Olá!"), conversationID: "10"), with: configuration) == .sent(providerMessageID: "4321"))
            let noConversation = await sender.send(OutboundMessage(to: "", content: .text("Olá!")), with: configuration)
            guard case .rejected(_, _, false) = noConversation else { Issue.record("a reply without a conversation must be refused"); return }
        }
    }

    @Test func anUnreachableProviderIsRetryableAndNotAmbiguous() async throws {
        let sender = try #require(MessageSenders.sender(for: .dialog360))
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let outcome = await sender.send(
            OutboundMessage(to: "+1", content: .text("x")),
            with: SenderConfiguration(channel: channel(.dialog360, base: "http://127.0.0.1:9"), credentials: ChannelCredentials(["api_key": "k"]), timeout: 3)
        )
        guard case .rejected(nil, _, true) = outcome else { Issue.record("expected a retryable refusal, got \(outcome)"); return }
    }
}
