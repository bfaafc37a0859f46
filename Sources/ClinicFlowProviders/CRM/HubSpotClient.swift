import ClinicFlowDomain
import Foundation

/// HubSpot CRM v3 (`/crm/v3/objects/…`, Bearer private-app token): contacts found with the search
/// endpoint (paged with `paging.next.after`), notes and tasks associated with the contact.
public struct HubSpotClient: CRMContacts {
    let connection: CRMConnection
    static let maxPages = 10
    /// HubSpot-defined association types: note → contact, task → contact.
    static let noteToContact = 202
    static let taskToContact = 204

    public init(connection: CRMConnection) { self.connection = connection }

    public func find(_ person: CRMPerson) async throws(CRMError) -> String? {
        var groups: [[String: Any]] = []
        if let email = person.email { groups.append(["filters": [["propertyName": "email", "operator": "EQ", "value": email]]]) }
        if let phone = person.phone { groups.append(["filters": [["propertyName": "phone", "operator": "EQ", "value": phone.e164]]]) }
        guard !groups.isEmpty else { return nil }
        var after: String?
        var results: [[String: Any]] = []
        for _ in 0..<Self.maxPages {
            var body: [String: Any] = ["filterGroups": groups, "properties": ["email", "phone", "firstname", "lastname"], "limit": 100]
            if let after { body["after"] = after }
            let answer = try await connection.call(.POST, "/crm/v3/objects/contacts/search", json: body)
            let root = answer as? [String: Any]
            results += root?["results"] as? [[String: Any]] ?? []
            guard let next = ((root?["paging"] as? [String: Any])?["next"] as? [String: Any])?["after"] else { break }
            after = "\(next)"
        }
        // Email first: the stronger identity when one record has the email and another the phone.
        let match = results.first { person.email != nil && Self.property($0, "email")?.lowercased() == person.email?.lowercased() }
            ?? results.first { person.phone != nil && Self.property($0, "phone")?.filter(\.isNumber) == person.phone?.e164.filter(\.isNumber) }
        return match?["id"].map { "\($0)" }
    }

    static func property(_ record: [String: Any], _ name: String) -> String? {
        (record["properties"] as? [String: Any])?[name] as? String
    }

    public func create(_ person: CRMPerson) async throws(CRMError) -> String {
        let answer = try await connection.call(.POST, "/crm/v3/objects/contacts", json: ["properties": Self.properties(person)])
        guard let id = (answer as? [String: Any])?["id"] else { throw CRMError("HubSpot created a contact without an id", retryable: false) }
        return "\(id)"
    }

    public func update(_ id: String, _ person: CRMPerson) async throws(CRMError) {
        _ = try await connection.call(.PATCH, "/crm/v3/objects/contacts/\(CRMConnection.query(id))", json: ["properties": Self.properties(person)])
    }

    public func addNote(contactID: String, text: String, at date: Date) async throws(CRMError) -> String {
        try await createAssociated("notes", contactID: contactID, type: Self.noteToContact, properties: [
            "hs_timestamp": Self.timestamp(date), "hs_note_body": text,
        ])
    }

    public func addTask(contactID: String, subject: String, body: String, due: Date) async throws(CRMError) -> String {
        try await createAssociated("tasks", contactID: contactID, type: Self.taskToContact, properties: [
            "hs_timestamp": Self.timestamp(due), "hs_task_subject": subject, "hs_task_body": body, "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH", "hs_task_type": "CALL",
        ])
    }

    private func createAssociated(_ object: String, contactID: String, type: Int, properties: [String: Any]) async throws(CRMError) -> String {
        let body: [String: Any] = [
            "properties": properties,
            "associations": [["to": ["id": contactID], "types": [["associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type]]]],
        ]
        let answer = try await connection.call(.POST, "/crm/v3/objects/\(object)", json: body)
        guard let id = (answer as? [String: Any])?["id"] else { throw CRMError("HubSpot created a \(object.dropLast()) without an id", retryable: false) }
        return "\(id)"
    }

    static func properties(_ person: CRMPerson) -> [String: Any] {
        let (first, last) = person.firstAndLast
        var properties: [String: Any] = [:]
        if person.name != nil {
            properties["firstname"] = first
            properties["lastname"] = last
        }
        if let email = person.email { properties["email"] = email }
        if let phone = person.phone { properties["phone"] = phone.e164 }
        return properties
    }

    /// Milliseconds since 1970, as HubSpot's timestamp properties take them.
    static func timestamp(_ date: Date) -> String { String(Int64(date.timeIntervalSince1970 * 1000)) }
}
