import ClinicFlowDomain
import Foundation
import NIOHTTP1

/// A person as pushed to a CRM.
public struct CRMPerson: Sendable, Equatable {
    public var name: String?
    public var email: String?
    public var phone: PhoneNumber?

    public init(name: String?, email: String?, phone: PhoneNumber?) {
        self.name = name
        self.email = email
        self.phone = phone
    }

    var firstAndLast: (String, String) {
        let words = (name ?? "").split(separator: " ").map(String.init)
        return (words.first ?? "", words.dropFirst().joined(separator: " "))
    }
}

/// A CRM call that did not work: `retryable` for 429, 5xx and network trouble (the job backs off),
/// otherwise final (bad token, validation error) and the job goes to dead letters with the reason.
public struct CRMError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var retryable: Bool
    /// The HTTP status, when the CRM answered.
    public var status: UInt?

    public init(_ reason: String, retryable: Bool, status: UInt? = nil) {
        self.reason = reason
        self.retryable = retryable
        self.status = status
    }

    public var description: String { reason }
}

/// Where a clinic's CRM is and how to authenticate: built from its channel's settings and credentials.
public struct CRMConnection: Sendable {
    public var baseURL: String
    /// Header name and value carrying the token (`Authorization: Bearer …`, `api_access_token: …`).
    public var auth: (String, String)
    /// Chatwoot: account and inbox ids.
    public var accountID: String?
    public var inboxID: String?
    public var timeout: TimeInterval
    let http: JSONHTTP

    public init(baseURL: String, auth: (String, String), accountID: String? = nil, inboxID: String? = nil, timeout: TimeInterval = 15, http: JSONHTTP = JSONHTTP()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.auth = auth
        self.accountID = accountID
        self.inboxID = inboxID
        self.timeout = timeout
        self.http = http
    }

    /// The connection of a CRM channel, or the reason it cannot call the CRM's API.
    public static func of(_ channel: ClinicChannel, credentials: ChannelCredentials, timeout: TimeInterval = 15) -> Result<CRMConnection, CRMError> {
        let missing = { (what: String) in Result<CRMConnection, CRMError>.failure(CRMError("the \(channel.provider.displayName) channel needs \(what) to sync", retryable: false)) }
        switch channel.provider {
        case .twenty:
            guard let key = credentials["api_key"] else { return missing("an api_key") }
            return .success(CRMConnection(baseURL: channel.settings.apiBaseURL ?? "https://api.twenty.com", auth: ("Authorization", "Bearer \(key)"), timeout: timeout))
        case .hubspot:
            guard let token = credentials["access_token"] else { return missing("an access_token") }
            return .success(CRMConnection(baseURL: channel.settings.apiBaseURL ?? "https://api.hubapi.com", auth: ("Authorization", "Bearer \(token)"), timeout: timeout))
        case .chatwoot:
            guard let token = credentials["api_access_token"], let base = channel.settings.apiBaseURL, let account = channel.settings.accountID else {
                return missing("api_access_token, api_base_url and account_id")
            }
            return .success(CRMConnection(baseURL: base, auth: ("api_access_token", token), accountID: account, inboxID: channel.businessAccountID, timeout: timeout))
        default:
            return .failure(CRMError("\(channel.provider.displayName) is not a CRM ClinicFlow syncs with", retryable: false))
        }
    }

    /// Calls the API and returns the parsed JSON answer of a 2xx.
    func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws(CRMError) -> Any {
        switch await http.request(method, baseURL + path, headers: [auth, ("Accept", "application/json")], json: json, timeout: timeout) {
        case .notSent(let reason), .maybeSent(let reason):
            throw CRMError("\(method.rawValue) \(Self.redacted(path)): \(reason)", retryable: true)
        case .response(let status, let body):
            let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
            guard (200..<300).contains(status) else {
                let detail = (parsed as? [String: Any]).flatMap { ($0["message"] ?? $0["error"] ?? $0["messages"]).map { "\($0)" } }
                throw CRMError(
                    "\(method.rawValue) \(Self.redacted(path)): HTTP \(status)" + (detail.map { ": \($0.prefix(200))" } ?? ""),
                    retryable: status == 429 || status >= 500, status: status
                )
            }
            return parsed ?? [String: Any]()
        }
    }

    /// Paths carry search terms (phones, emails): keep them out of errors, which end up in logs.
    static func redacted(_ path: String) -> String { String(path.prefix { $0 != "?" }) }

    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? value
    }
}

/// A CRM's contacts: find by email or phone, create, update. Every call is idempotent in effect
/// (search before create), so a retried job does not make duplicates.
public protocol CRMContacts: Sendable {
    func find(_ person: CRMPerson) async throws(CRMError) -> String?
    func create(_ person: CRMPerson) async throws(CRMError) -> String
    func update(_ id: String, _ person: CRMPerson) async throws(CRMError)
}

extension CRMContacts {
    /// Updates the known record, else the one found by email or phone, else creates one; returns its id.
    /// A known record deleted in the CRM meanwhile (404) is looked up again or recreated.
    public func upsert(_ person: CRMPerson, knownID: String?) async throws(CRMError) -> String {
        if let knownID {
            do {
                try await update(knownID, person)
                return knownID
            } catch where error.status == 404 {}
        }
        if let id = try await find(person) {
            try await update(id, person)
            return id
        }
        return try await create(person)
    }
}

public enum CRMClients {
    public static func contacts(_ system: SyncSystem, _ connection: CRMConnection) -> any CRMContacts {
        switch system {
        case .twenty: TwentyClient(connection: connection)
        case .chatwoot: ChatwootClient(connection: connection)
        case .hubspot: HubSpotClient(connection: connection)
        }
    }
}
