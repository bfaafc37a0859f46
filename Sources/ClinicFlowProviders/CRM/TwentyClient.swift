import ClinicFlowDomain
import Foundation

/// Twenty's REST API (`/rest/people`, `/rest/opportunities`, Bearer API key). Lists are cursor-paged
/// (`pageInfo.hasNextPage`, `endCursor`, `starting_after`).
public struct TwentyClient: CRMContacts {
    let connection: CRMConnection
    static let pageSize = 60
    static let maxPages = 20

    public init(connection: CRMConnection) { self.connection = connection }

    /// A person with this email (Twenty filters on it), else this phone (checked on every page).
    public func find(_ person: CRMPerson) async throws(CRMError) -> String? {
        var filter: String
        if let email = person.email {
            filter = "emails.primaryEmail[eq]:\"\(email)\""
        } else if let phone = person.phone {
            filter = "phones.primaryPhoneNumber[eq]:\"\(phone.parts.national)\""
        } else {
            return nil
        }
        filter = CRMConnection.query(filter)
        var cursor: String?
        for _ in 0..<Self.maxPages {
            let page = try await connection.call(.GET, "/rest/people?filter=\(filter)&limit=\(Self.pageSize)" + (cursor.map { "&starting_after=\(CRMConnection.query($0))" } ?? ""))
            let root = page as? [String: Any]
            let people = ((root?["data"] as? [String: Any])?["people"] as? [[String: Any]]) ?? []
            if let match = people.first(where: { Self.matches($0, person) }), let id = match["id"] as? String { return id }
            let info = root?["pageInfo"] as? [String: Any]
            guard info?["hasNextPage"] as? Bool == true, let next = info?["endCursor"] as? String else { return nil }
            cursor = next
        }
        return nil
    }

    static func matches(_ record: [String: Any], _ person: CRMPerson) -> Bool {
        let email = ((record["emails"] as? [String: Any])?["primaryEmail"] as? String)?.lowercased()
        if let wanted = person.email?.lowercased(), email == wanted { return true }
        let phones = record["phones"] as? [String: Any]
        let number = (phones?["primaryPhoneCallingCode"] as? String ?? "") + (phones?["primaryPhoneNumber"] as? String ?? "")
        return person.phone.map { number.filter(\.isNumber) == $0.e164.filter(\.isNumber) } ?? false
    }

    public func create(_ person: CRMPerson) async throws(CRMError) -> String {
        let answer = try await connection.call(.POST, "/rest/people", json: Self.body(person))
        guard let id = Self.createdID(answer, object: "createPerson") else { throw CRMError("Twenty created a person without an id", retryable: false) }
        return id
    }

    public func update(_ id: String, _ person: CRMPerson) async throws(CRMError) {
        _ = try await connection.call(.PATCH, "/rest/people/\(CRMConnection.query(id))", json: Self.body(person))
    }

    /// An opportunity for a booking or a deposit, pointing at the person.
    public func createOpportunity(name: String, personID: String, amountMinor: Int64?, currency: String?, stage: String, closeDate: Date?) async throws(CRMError) -> String {
        var body: [String: Any] = ["name": name, "pointOfContactId": personID, "stage": stage]
        if let amountMinor, let currency {
            body["amount"] = ["amountMicros": amountMinor * 10_000, "currencyCode": currency]
        }
        if let closeDate { body["closeDate"] = closeDate.formatted(.iso8601) }
        let answer = try await connection.call(.POST, "/rest/opportunities", json: body)
        guard let id = Self.createdID(answer, object: "createOpportunity") else { throw CRMError("Twenty created an opportunity without an id", retryable: false) }
        return id
    }

    static func body(_ person: CRMPerson) -> [String: Any] {
        let (first, last) = person.firstAndLast
        var body: [String: Any] = ["name": ["firstName": first, "lastName": last]]
        if let email = person.email { body["emails"] = ["primaryEmail": email] }
        if let phone = person.phone {
            let parts = phone.parts
            var phones: [String: Any] = ["primaryPhoneNumber": parts.national, "primaryPhoneCallingCode": parts.callingCode]
            if let region = parts.region { phones["primaryPhoneCountryCode"] = region }
            body["phones"] = phones
        }
        return body
    }

    /// `{"data":{"createPerson":{"id":…}}}`, or a bare `{"data":{"id":…}}` from other versions.
    static func createdID(_ answer: Any, object: String) -> String? {
        let data = (answer as? [String: Any])?["data"] as? [String: Any]
        return ((data?[object] as? [String: Any])?["id"] as? String) ?? (data?["id"] as? String)
    }
}
