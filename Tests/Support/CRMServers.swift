import Foundation
import Synchronization
import Vapor

/// Loopback servers that speak the CRMs' real APIs closely enough to catch a wrong request: each
/// checks the auth header, the path, the body's field names and types, and pages its lists the way
/// the real one does. They keep what was written, so tests read back the CRM's side of a sync.
public final class CRMRecords: Sendable {
    public struct Record: Sendable, Equatable {
        public var id: String
        public var fields: [String: String]
    }

    private let state = Mutex<[String: [Record]]>([:])
    private let failures = Mutex(0)

    public init() {}

    /// The next `count` writes answer 503, as a CRM in an outage does.
    public func failNextWrites(_ count: Int) { failures.withLock { $0 = count } }

    /// Whether this write is one of the failing ones (and counts it).
    func takeFailure() -> Bool { failures.withLock { left in defer { left = max(0, left - 1) }; return left > 0 } }

    public func all(_ kind: String) -> [Record] { state.withLock { $0[kind] ?? [] } }

    @discardableResult
    public func insert(_ kind: String, id: String? = nil, _ fields: [String: String]) -> Record {
        state.withLock { state in
            let record = Record(id: id ?? "\(kind.prefix(3))-\((state[kind]?.count ?? 0) + 1)", fields: fields)
            state[kind, default: []].append(record)
            return record
        }
    }

    /// Merges fields into the record; false when there is none with this id.
    public func update(_ kind: String, id: String, _ fields: [String: String]) -> Bool {
        state.withLock { state in
            guard let index = state[kind]?.firstIndex(where: { $0.id == id }) else { return false }
            state[kind]![index].fields.merge(fields) { _, new in new }
            return true
        }
    }

    public func find(_ kind: String, id: String) -> Record? { all(kind).first { $0.id == id } }
}

func unavailable(_ records: CRMRecords) -> Response? {
    records.takeFailure() ? error(.serviceUnavailable, "Service Unavailable") : nil
}

func error(_ status: HTTPStatus, _ message: String) -> Response {
    LoopbackServer.json(["message": message, "error": message], status: status)
}

// MARK: Twenty

/// Twenty's REST API: `/rest/people` (cursor-paged, `filter=field[eq]:"value"`), `/rest/opportunities`.
public enum TwentyServer {
    public static let apiKey = "twenty-test-key"
    /// Small pages, so a client that ignores `hasNextPage` misses records.
    public static let pageSize = 2

    public static func start(_ records: CRMRecords) async throws -> LoopbackServer {
        try await LoopbackServer.start([
            (.GET, "rest/people", { request in
                guard request.header("Authorization") == "Bearer \(apiKey)" else { return error(.unauthorized, "invalid API key") }
                let people = records.all("people").filter { matches($0, filter: request.parameter("filter")) }
                let start = Int(request.parameter("starting_after") ?? "") ?? 0
                let limit = min(Int(request.parameter("limit") ?? "") ?? 60, pageSize)
                let page = Array(people.dropFirst(start).prefix(limit))
                let end = start + page.count
                return LoopbackServer.json([
                    "data": ["people": page.map(person)], "totalCount": people.count,
                    "pageInfo": ["hasNextPage": end < people.count, "startCursor": String(start), "endCursor": String(end)],
                ])
            }),
            (.POST, "rest/people", { request in
                guard request.header("Authorization") == "Bearer \(apiKey)" else { return error(.unauthorized, "invalid API key") }
                guard let json = request.json, let fields = personFields(json) else { return error(.badRequest, "invalid person") }
                let record = records.insert("people", id: UUID().uuidString.lowercased(), fields)
                return LoopbackServer.json(["data": ["createPerson": person(record)]], status: .created)
            }),
            (.PATCH, "rest/people/:id", { request in
                if let outage = unavailable(records) { return outage }
                guard request.header("Authorization") == "Bearer \(apiKey)" else { return error(.unauthorized, "invalid API key") }
                guard let json = request.json, let fields = personFields(json) else { return error(.badRequest, "invalid person") }
                guard records.update("people", id: request.lastPathComponent, fields) else { return error(.notFound, "no person") }
                return LoopbackServer.json(["data": ["updatePerson": person(records.find("people", id: request.lastPathComponent)!)]])
            }),
            (.POST, "rest/opportunities", { request in
                guard request.header("Authorization") == "Bearer \(apiKey)" else { return error(.unauthorized, "invalid API key") }
                guard let json = request.json, let name = json["name"] as? String, let contact = json["pointOfContactId"] as? String,
                    let stage = json["stage"] as? String, Set(json.keys).isSubset(of: ["name", "pointOfContactId", "stage", "amount", "closeDate"])
                else { return error(.badRequest, "invalid opportunity") }
                guard records.find("people", id: contact) != nil else { return error(.badRequest, "pointOfContactId is not a person") }
                if let close = json["closeDate"], (close as? String).flatMap({ try? Date($0, strategy: .iso8601) }) == nil { return error(.badRequest, "closeDate") }
                let record = records.insert("opportunities", id: UUID().uuidString.lowercased(), ["name": name, "pointOfContactId": contact, "stage": stage])
                return LoopbackServer.json(["data": ["createOpportunity": ["id": record.id, "name": name]]], status: .created)
            }),
        ])
    }

    /// Only the fields Twenty's person has, in their composite shapes.
    static func personFields(_ json: [String: Any]) -> [String: String]? {
        guard Set(json.keys).isSubset(of: ["name", "emails", "phones"]) else { return nil }
        var fields: [String: String] = [:]
        if let name = json["name"] {
            guard let name = name as? [String: Any], let first = name["firstName"] as? String, let last = name["lastName"] as? String else { return nil }
            fields["firstName"] = first
            fields["lastName"] = last
        }
        if let emails = json["emails"] {
            guard let email = (emails as? [String: Any])?["primaryEmail"] as? String, email.contains("@") else { return nil }
            fields["email"] = email
        }
        if let phones = json["phones"] {
            guard let phones = phones as? [String: Any], let number = phones["primaryPhoneNumber"] as? String, number.allSatisfy(\.isNumber),
                let code = phones["primaryPhoneCallingCode"] as? String, code.hasPrefix("+")
            else { return nil }
            fields["phone"] = number
            fields["callingCode"] = code
        }
        return fields
    }

    static func person(_ record: CRMRecords.Record) -> [String: Any] {
        [
            "id": record.id,
            "name": ["firstName": record.fields["firstName"] ?? "", "lastName": record.fields["lastName"] ?? ""],
            "emails": ["primaryEmail": record.fields["email"] ?? "", "additionalEmails": NSNull()],
            "phones": ["primaryPhoneNumber": record.fields["phone"] ?? "", "primaryPhoneCallingCode": record.fields["callingCode"] ?? ""],
        ]
    }

    /// `emails.primaryEmail[eq]:"x"` or `phones.primaryPhoneNumber[eq]:"x"`.
    static func matches(_ record: CRMRecords.Record, filter: String?) -> Bool {
        guard let filter else { return true }
        let value = filter.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? ""
        if filter.hasPrefix("emails.primaryEmail[eq]") { return record.fields["email"] == value }
        if filter.hasPrefix("phones.primaryPhoneNumber[eq]") { return record.fields["phone"] == value }
        return false
    }
}

// MARK: Chatwoot

/// Chatwoot's application API under `/api/v1/accounts/{account}`: contacts (search paged 15 a page),
/// and messages in conversations.
public enum ChatwootServer {
    public static let token = "chatwoot-test-token"
    public static let account = "1"
    public static let inbox = 3
    static let pageSize = 15

    public static func start(_ records: CRMRecords) async throws -> LoopbackServer {
        let base = "api/v1/accounts/\(account)"
        return try await LoopbackServer.start([
            (.GET, "\(base)/contacts/search", { request in
                guard request.header("api_access_token") == token else { return error(.unauthorized, "You need to sign in") }
                guard let q = request.parameter("q"), !q.isEmpty else { return error(.badRequest, "q is required") }
                let found = records.all("contacts").filter { $0.fields.values.contains { $0.lowercased().contains(q.lowercased()) } }
                let page = max(1, Int(request.parameter("page") ?? "1") ?? 1)
                let items = Array(found.dropFirst((page - 1) * pageSize).prefix(pageSize))
                return LoopbackServer.json(["meta": ["count": found.count, "current_page": String(page)], "payload": items.map(contact)])
            }),
            (.POST, "\(base)/contacts", { request in
                guard request.header("api_access_token") == token else { return error(.unauthorized, "You need to sign in") }
                guard let json = request.json, json["inbox_id"] as? Int == inbox, let fields = contactFields(json, allowing: ["inbox_id"]) else {
                    return error(.unprocessableEntity, "invalid contact")
                }
                let record = records.insert("contacts", id: String(100 + records.all("contacts").count), fields)
                return LoopbackServer.json(["payload": ["contact": contact(record), "contact_inbox": ["source_id": UUID().uuidString]]])
            }),
            (.PUT, "\(base)/contacts/:id", { request in
                if let outage = unavailable(records) { return outage }
                guard request.header("api_access_token") == token else { return error(.unauthorized, "You need to sign in") }
                guard let json = request.json, let fields = contactFields(json, allowing: []) else { return error(.unprocessableEntity, "invalid contact") }
                guard records.update("contacts", id: request.lastPathComponent, fields) else { return error(.notFound, "Resource could not be found") }
                return LoopbackServer.json(["payload": contact(records.find("contacts", id: request.lastPathComponent)!)])
            }),
            (.POST, "\(base)/conversations/:conversation/messages", { request in
                guard request.header("api_access_token") == token else { return error(.unauthorized, "You need to sign in") }
                guard let json = request.json, let content = json["content"] as? String, json["message_type"] as? String == "outgoing",
                    json["private"] as? Bool == false
                else { return error(.unprocessableEntity, "invalid message") }
                let conversation = String(request.path.split(separator: "/").dropLast().last ?? "")
                let record = records.insert("messages", id: String(900 + records.all("messages").count), ["content": content, "conversation": conversation])
                return LoopbackServer.json(["id": Int(record.id)!, "content": content, "message_type": 1, "conversation_id": Int(conversation) ?? 0])
            }),
        ])
    }

    static func contactFields(_ json: [String: Any], allowing extra: Set<String>) -> [String: String]? {
        guard Set(json.keys).isSubset(of: Set(["name", "email", "phone_number", "identifier"]).union(extra)) else { return nil }
        var fields: [String: String] = [:]
        for key in ["name", "email", "phone_number"] {
            guard let value = json[key] else { continue }
            guard let text = value as? String else { return nil }
            if key == "phone_number", !(text.hasPrefix("+") && text.dropFirst().allSatisfy(\.isNumber)) { return nil }
            fields[key] = text
        }
        return fields
    }

    public static func contact(_ record: CRMRecords.Record) -> [String: Any] {
        ["id": Int(record.id) ?? 0, "name": record.fields["name"] ?? NSNull(), "email": record.fields["email"] ?? NSNull(),
         "phone_number": record.fields["phone_number"] ?? NSNull(), "custom_attributes": [String: String]()]
    }
}

// MARK: HubSpot

/// HubSpot CRM v3: contact search (paged with `after`), create, update; notes and tasks that must
/// be associated with a contact through HubSpot's defined association types.
public enum HubSpotServer {
    public static let token = "pat-test-token"
    static let pageSize = 1

    public static func start(_ records: CRMRecords) async throws -> LoopbackServer {
        try await LoopbackServer.start([
            (.POST, "crm/v3/objects/contacts/search", { request in
                guard request.header("Authorization") == "Bearer \(token)" else { return error(.unauthorized, "Authentication credentials not found") }
                guard let json = request.json, let groups = json["filterGroups"] as? [[String: Any]], !groups.isEmpty else { return error(.badRequest, "filterGroups") }
                var found: [CRMRecords.Record] = []
                for record in records.all("contacts") {
                    let hit = groups.contains { group in
                        (group["filters"] as? [[String: Any]] ?? []).allSatisfy { filter in
                            filter["operator"] as? String == "EQ" && record.fields[filter["propertyName"] as? String ?? ""] == filter["value"] as? String
                        }
                    }
                    if hit { found.append(record) }
                }
                let start = Int(json["after"] as? String ?? "0") ?? 0
                let page = Array(found.dropFirst(start).prefix(pageSize))
                var answer: [String: Any] = ["total": found.count, "results": page.map { ["id": $0.id, "properties": $0.fields] }]
                if start + page.count < found.count { answer["paging"] = ["next": ["after": String(start + page.count)]] }
                return LoopbackServer.json(answer)
            }),
            (.POST, "crm/v3/objects/contacts", { request in
                guard request.header("Authorization") == "Bearer \(token)" else { return error(.unauthorized, "Authentication credentials not found") }
                guard let properties = request.json?["properties"] as? [String: String] else { return error(.badRequest, "properties must be strings") }
                let record = records.insert("contacts", id: String(5000 + records.all("contacts").count), properties)
                return LoopbackServer.json(["id": record.id, "properties": properties, "archived": false], status: .created)
            }),
            (.PATCH, "crm/v3/objects/contacts/:id", { request in
                guard request.header("Authorization") == "Bearer \(token)" else { return error(.unauthorized, "Authentication credentials not found") }
                guard let properties = request.json?["properties"] as? [String: String] else { return error(.badRequest, "properties must be strings") }
                guard records.update("contacts", id: request.lastPathComponent, properties) else { return error(.notFound, "resource not found") }
                return LoopbackServer.json(["id": request.lastPathComponent, "properties": properties])
            }),
            (.POST, "crm/v3/objects/notes", { request in associated(request, records, kind: "notes", type: 202, required: ["hs_timestamp", "hs_note_body"]) }),
            (.POST, "crm/v3/objects/tasks", { request in associated(request, records, kind: "tasks", type: 204, required: ["hs_timestamp", "hs_task_subject"]) }),
        ])
    }

    static func associated(_ request: LoopbackServer.Received, _ records: CRMRecords, kind: String, type: Int, required: [String]) -> Response {
        guard request.header("Authorization") == "Bearer \(token)" else { return error(.unauthorized, "Authentication credentials not found") }
        guard let json = request.json, let properties = json["properties"] as? [String: String], required.allSatisfy({ properties[$0] != nil }),
            Int(properties["hs_timestamp"] ?? "") != nil
        else { return error(.badRequest, "properties \(required) are required, hs_timestamp in milliseconds") }
        guard let association = (json["associations"] as? [[String: Any]])?.first, let to = (association["to"] as? [String: Any])?["id"] as? String,
            let types = association["types"] as? [[String: Any]], types.contains(where: { $0["associationCategory"] as? String == "HUBSPOT_DEFINED" && $0["associationTypeId"] as? Int == type })
        else { return error(.badRequest, "associations must link a contact with type \(type)") }
        guard records.find("contacts", id: to) != nil else { return error(.badRequest, "no contact \(to)") }
        var fields = properties
        fields["contact"] = to
        let record = records.insert(kind, id: String(7000 + records.all(kind).count), fields)
        return LoopbackServer.json(["id": record.id, "properties": properties], status: .created)
    }
}
