import ClinicFlowDomain
import Foundation

/// Meta's WhatsApp Cloud API, directly (`POST /{phone_number_id}/messages`, bearer token) or through
/// 360dialog (`POST /messages`, `D360-API-KEY`, the same body).
public struct WhatsAppCloudSender: MessageSender {
    public enum Flavour: Sendable { case meta, dialog360 }

    /// Meta's error for free-form text outside the 24-hour window.
    public static let reEngagementError = 131047

    let http: JSONHTTP
    let flavour: Flavour

    public func send(_ message: OutboundMessage, with configuration: SenderConfiguration) async -> SendOutcome {
        let url: String
        let headers: [(String, String)]
        switch flavour {
        case .meta:
            guard let token = configuration.credentials["access_token"], let phoneNumberID = configuration.channel.businessAccountID else {
                return .rejected(code: nil, reason: "the channel needs an access_token and its phone_number_id to send", retryable: false)
            }
            url = configuration.baseURL(default: "https://graph.facebook.com/v21.0") + "/\(phoneNumberID)/messages"
            headers = [("Authorization", "Bearer \(token)")]
        case .dialog360:
            guard let key = configuration.credentials["api_key"] else {
                return .rejected(code: nil, reason: "the channel needs its 360dialog api_key to send", retryable: false)
            }
            url = configuration.baseURL(default: "https://waba-v2.360dialog.io") + "/messages"
            headers = [("D360-API-KEY", key)]
        }
        let result = await http.post(url, headers: headers, json: Self.body(message), timeout: configuration.timeout)
        return result.outcome(
            id: { json in ((json as? [String: Any])?["messages"] as? [[String: Any]])?.first?["id"] as? String },
            error: { json in
                guard let error = (json as? [String: Any])?["error"] as? [String: Any] else { return nil }
                return (error["code"] as? Int, error["message"] as? String ?? "error")
            }
        )
    }

    static func body(_ message: OutboundMessage) -> [String: Any] {
        var body: [String: Any] = ["messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to]
        switch message.content {
        case .text(let text):
            body["type"] = "text"
            body["text"] = ["preview_url": false, "body": text]
        case .template(let template, let parameters):
            body["type"] = "template"
            var payload: [String: Any] = ["name": template.name, "language": ["code": template.languageCode]]
            if !parameters.isEmpty {
                payload["components"] = [["type": "body", "parameters": parameters.map { ["type": "text", "text": $0] }]]
            }
            body["template"] = payload
        }
        return body
    }
}

/// Evolution API v2: `POST {server}/message/sendText/{instance}` with the instance's `apikey`.
public struct EvolutionSender: MessageSender {
    let http: JSONHTTP

    public func send(_ message: OutboundMessage, with configuration: SenderConfiguration) async -> SendOutcome {
        guard case .text(let text) = message.content else {
            return .rejected(code: nil, reason: "Evolution API sends text only (WhatsApp Web has no templates)", retryable: false)
        }
        guard let key = configuration.credentials["api_key"], let instance = configuration.channel.businessAccountID,
            configuration.channel.settings.apiBaseURL ?? configuration.credentials["server_url"] != nil
        else { return .rejected(code: nil, reason: "the channel needs server_url, api_key and its instance name to send", retryable: false) }
        let number = message.to.hasPrefix("+") ? String(message.to.dropFirst()) : message.to
        let instancePath = instance.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? instance
        let result = await http.post(
            configuration.baseURL(default: "") + "/message/sendText/\(instancePath)", headers: [("apikey", key)],
            json: ["number": number, "text": text], timeout: configuration.timeout
        )
        return result.outcome(
            id: { json in ((json as? [String: Any])?["key"] as? [String: Any])?["id"] as? String },
            error: { json in
                guard let object = json as? [String: Any] else { return nil }
                let message = (object["response"] as? [String: Any]).map { "\($0["message"] ?? "")" } ?? object["error"] as? String ?? "error"
                return (object["status"] as? Int, message)
            }
        )
    }
}

/// Chatwoot: `POST /api/v1/accounts/{account}/conversations/{conversation}/messages` with the
/// agent bot's or user's `api_access_token`; the reply lands in the conversation the person wrote in.
public struct ChatwootSender: MessageSender {
    let http: JSONHTTP

    public func send(_ message: OutboundMessage, with configuration: SenderConfiguration) async -> SendOutcome {
        guard let token = configuration.credentials["api_access_token"], let account = configuration.channel.settings.accountID,
            configuration.channel.settings.apiBaseURL != nil
        else { return .rejected(code: nil, reason: "the channel needs api_access_token, api_base_url and account_id to send", retryable: false) }
        guard let conversation = message.conversationID else {
            return .rejected(code: nil, reason: "Chatwoot replies go into a conversation, and this contact has none there yet", retryable: false)
        }
        var body: [String: Any] = ["message_type": "outgoing", "private": false]
        switch message.content {
        case .text(let text): body["content"] = text
        case .template(let template, let parameters):
            body["content"] = template.name
            body["template_params"] = [
                "name": template.name, "category": "UTILITY", "language": template.languageCode,
                "processed_params": Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (String($0 + 1), $1) }),
            ]
        }
        let result = await http.post(
            configuration.baseURL(default: "") + "/api/v1/accounts/\(account)/conversations/\(conversation)/messages",
            headers: [("api_access_token", token)], json: body, timeout: configuration.timeout
        )
        return result.outcome(
            id: { json in ((json as? [String: Any])?["id"]).map { "\($0)" } },
            error: { json in
                guard let object = json as? [String: Any] else { return nil }
                return (nil, (object["error"] as? String) ?? (object["message"] as? String) ?? "error")
            }
        )
    }
}
