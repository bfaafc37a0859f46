import ClinicFlowDomain
import Foundation

/// Chatwoot's application API (`/api/v1/accounts/{account}/contacts`, `api_access_token` header).
/// Search results are paged, 15 per page, with `meta.count`.
public struct ChatwootClient: CRMContacts {
    let connection: CRMConnection
    static let maxPages = 20

    public init(connection: CRMConnection) { self.connection = connection }

    private var contacts: String { "/api/v1/accounts/\(connection.accountID ?? "")/contacts" }

    public func find(_ person: CRMPerson) async throws(CRMError) -> String? {
        guard let term = person.email ?? person.phone?.e164 else { return nil }
        var seen = 0
        for page in 1...Self.maxPages {
            let answer = try await connection.call(.GET, "\(contacts)/search?q=\(CRMConnection.query(term))&page=\(page)")
            let root = answer as? [String: Any]
            let payload = root?["payload"] as? [[String: Any]] ?? []
            if let match = payload.first(where: { Self.matches($0, person) }), let id = match["id"] { return "\(id)" }
            seen += payload.count
            let total = ((root?["meta"] as? [String: Any])?["count"] as? Int) ?? 0
            if payload.isEmpty || seen >= total { return nil }
        }
        return nil
    }

    static func matches(_ record: [String: Any], _ person: CRMPerson) -> Bool {
        if let email = person.email?.lowercased(), (record["email"] as? String)?.lowercased() == email { return true }
        if let phone = person.phone?.e164, (record["phone_number"] as? String) == phone { return true }
        return false
    }

    public func create(_ person: CRMPerson) async throws(CRMError) -> String {
        guard let inbox = connection.inboxID.flatMap(Int.init) else {
            throw CRMError("creating a Chatwoot contact needs the channel's inbox id (business_account_id)", retryable: false)
        }
        var body = Self.body(person)
        body["inbox_id"] = inbox
        let answer = try await connection.call(.POST, contacts, json: body)
        let payload = (answer as? [String: Any])?["payload"] as? [String: Any]
        guard let id = (payload?["contact"] as? [String: Any])?["id"] ?? payload?["id"] else {
            throw CRMError("Chatwoot created a contact without an id", retryable: false)
        }
        return "\(id)"
    }

    public func update(_ id: String, _ person: CRMPerson) async throws(CRMError) {
        _ = try await connection.call(.PUT, "\(contacts)/\(CRMConnection.query(id))", json: Self.body(person))
    }

    static func body(_ person: CRMPerson) -> [String: Any] {
        var body: [String: Any] = [:]
        if let name = person.name { body["name"] = name }
        if let email = person.email { body["email"] = email }
        if let phone = person.phone { body["phone_number"] = phone.e164 }
        return body
    }
}
