import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import JWT
import Testing
import Vapor
import VaporTesting

/// Every route under /api/v1, for every role and tenant: the access rules hold everywhere.
@Suite struct APIAccessTests {
    static let clinicEndpoints = APIEndpoints.all.filter { if case .clinic = $0.access { true } else { false } }

    @Test(arguments: TestDatabase.available)
    func everyClinicRouteIsClosedToOtherTenantsAndLowerRoles(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let roleOf: [String: Role] = ["viewerA1": .viewer, "consultantA1": .consultant, "adminA1": .clinicAdmin, "agencyA": .agencyAdmin, "platform": .platformAdmin]
            for endpoint in Self.clinicEndpoints {
                guard case .clinic(let minimum) = endpoint.access else { continue }
                let path = bed.path(endpoint)
                let label = "\(endpoint.method.rawValue) \(endpoint.path)"

                let anonymous = try await bed.send(endpoint.method, path, as: nil)
                #expect(anonymous.status == .unauthorized, "\(label) without a token")

                // Another agency's users, another clinic's consultant of the same agency: the clinic does not exist for them.
                for outsider in ["adminB1", "consultantB1", "consultantA2"] {
                    let response = try await bed.send(endpoint.method, path, as: outsider, json: "{}")
                    #expect(response.status == .notFound, "\(label) as \(outsider): \(response.status)")
                    #expect(try response.json()["reason"] as? String == "no clinic \(bed.clinicA1.id.uuidString.lowercased())", "\(label)")
                }

                var deleted = false
                // Lower roles first, so a DELETE is refused before someone allowed removes the object.
                for (user, role) in roleOf.sorted(by: { $0.value < $1.value }) {
                    let response = try await bed.send(endpoint.method, path, as: user, json: "{}")
                    if role < minimum {
                        #expect(response.status == .forbidden, "\(label) as \(user): \(response.status)")
                    } else if endpoint.method == .DELETE {
                        // The first allowed caller deletes it; it is gone for the next.
                        #expect(response.status == (deleted ? .notFound : .noContent), "\(label) as \(user): \(response.status)")
                        deleted = true
                    } else {
                        #expect(![.unauthorized, .forbidden, .notFound].contains(response.status), "\(label) as \(user): \(response.status) \(response.body.string)")
                    }
                }
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func objectsOfOneClinicCannotBeReachedThroughAnother(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            // B1's admin uses their own clinic in the path with A1's object ids.
            for endpoint in Self.clinicEndpoints where endpoint.pathParameters.count > 1 {
                let response = try await bed.send(endpoint.method, bed.path(endpoint, clinic: bed.clinicB1.id), as: "adminB1", json: "{}")
                #expect([.notFound, .unprocessableEntity, .badRequest].contains(response.status), "\(endpoint.method.rawValue) \(endpoint.path): \(response.status)")
                #expect(response.status != .ok)
            }
            // And lists through B1 never show A1's rows.
            let contacts = try await bed.send(.GET, "/clinics/\(bed.clinicB1.id)/contacts", as: "adminB1")
            let names = try #require(contacts.json()["items"] as? [[String: Any]]).compactMap { $0["name"] as? String }
            #expect(names == ["Bob"])
            let merge = try await bed.send(.POST, "/clinics/\(bed.clinicB1.id)/contacts/\(bed.ids["contactB"]!)/merge", as: "adminB1", json: #"{"other_contact_id":"\#(bed.ids["contactID"]!)"}"#)
            #expect(merge.status == .notFound)
        }
    }

    @Test func clinicListsFollowTheRoleAndAgency() async throws {
        try await withAPI(.sqlite) { bed in
            func clinics(_ user: String) async throws -> Set<String> {
                let response = try await bed.send(.GET, "/clinics", as: user)
                return Set(try #require(response.json()["items"] as? [[String: Any]]).compactMap { $0["name"] as? String })
            }
            #expect(try await clinics("platform") == ["A1", "A2", "B1"])
            #expect(try await clinics("agencyA") == ["A1", "A2"])
            #expect(try await clinics("adminA1") == ["A1"])
            #expect(try await clinics("consultantB1") == ["B1"])
            let agencyReach = try await bed.send(.GET, "/clinics/\(bed.clinicA2.id)/leads", as: "agencyA")
            #expect(agencyReach.status == .ok)
            let create = try await bed.send(.POST, "/clinics", as: "adminA1", json: #"{"name":"X","slug":"x-clinic","time_zone":"UTC","default_region":"PT"}"#)
            #expect(create.status == .forbidden)
        }
    }

    @Test func tokensAreCheckedAndExpire() async throws {
        try await withAPI(.sqlite) { bed in
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: "not.a.token")
            let garbage = try await bed.app.testing().sendRequest(.GET, "/api/v1/me", headers: headers)
            #expect(garbage.status == .unauthorized)
            #expect(garbage.headers.first(name: "WWW-Authenticate") == "Bearer")

            let expired = try await bed.app.jwt.keys.sign(AuthToken(userID: bed.users["adminA1"]!.id, issuedAt: Date().addingTimeInterval(-13 * 3600)))
            headers.bearerAuthorization = BearerAuthorization(token: expired)
            #expect(try await bed.app.testing().sendRequest(.GET, "/api/v1/me", headers: headers).status == .unauthorized)

            // A token signed with another key is refused.
            let foreign = JWTKeyCollection()
            await foreign.add(hmac: HMACKey(from: "someone-elses-secret-key-0123456789"), digestAlgorithm: .sha256)
            headers.bearerAuthorization = BearerAuthorization(token: try await foreign.sign(AuthToken(userID: bed.users["platform"]!.id)))
            #expect(try await bed.app.testing().sendRequest(.GET, "/api/v1/me", headers: headers).status == .unauthorized)

            // Disabling a user ends their sessions at once.
            var consultant = bed.users["consultantA1"]!
            consultant.active = false
            try await bed.services.engine.access.update(consultant)
            #expect(try await bed.send(.GET, "/me", as: "consultantA1").status == .unauthorized)
        }
    }
}
