import ClinicFlowDomain
@testable import ClinicFlowProviders
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

/// Bad input everywhere: every API route with a body and every webhook, fed malformed JSON, wrong
/// types, huge and non-UTF-8 bodies, wrong content types, forged, replayed and mutated deliveries, and
/// hostile strings. Always a 4xx with a reason (or a success for well-formed hostile strings), never a
/// 5xx, and nothing stored by a refused request.
@Suite struct BadInputTests {
    static let hostile = [
        "'; DROP TABLE contacts; --", "<script>alert(1)</script>", "\" OR 1=1 --", "../../etc/passwd", "${jndi:ldap://x/a}", "{{7*7}}",
        String(repeating: "é", count: 3000), "\u{202E}gnp.exe", "Robert'); DELETE FROM leads;--",
    ]

    /// Rows of every table a request could write.
    static func counts(_ services: ClinicFlowServices) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in [
            "events", "jobs", "deliveries", "contacts", "contact_identities", "leads", "conversations", "messages", "channels", "users", "clinics",
            "teams", "knowledge_articles", "practitioners", "appointments", "consent_events", "tasks", "sync_links",
        ] {
            counts[table] = try await services.engine.store.sql().raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decodingColumn: "n", as: Int.self) ?? -1
        }
        return counts
    }

    /// A body whose every property has the wrong JSON type for its schema.
    static func wrongTypes(_ schema: JSONSchema) -> String {
        guard case .object(let properties, _) = schema else { return "[1]" }
        let fields = properties.map { name, property -> String in
            let wrong: String = switch property {
            case .string, .reference: "12345"
            case .integer, .number: "\"many\""
            case .boolean: "\"yes\""
            case .array: "{\"a\":1}"
            case .object, .map: "[1,2]"
            case .nullable(let inner): Self.wrongTypes(.object(properties: [("x", inner)], required: [])).dropFirst(5).dropLast().description
            }
            return "\"\(name)\":\(wrong)"
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    @Test(arguments: TestDatabase.available)
    func everyAPIRouteRefusesBadBodiesWithAReasonAndStoresNothing(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let tester = try bed.app.testing()
            let token = try await bed.token("platform")
            let before = try await Self.counts(bed.services)
            var checked = 0
            for endpoint in APIEndpoints.all {
                guard let model = endpoint.requestBody else { continue }
                let path = "/api/v1" + bed.path(endpoint)
                let variants: [(String, [UInt8], String)] = [
                    ("truncated JSON", Array(#"{"name":"#.utf8), "application/json"),
                    ("an array", Array("[]".utf8), "application/json"),
                    ("null", Array("null".utf8), "application/json"),
                    ("not UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], "application/json"),
                    ("wrong types", Array(Self.wrongTypes(model.schema).utf8), "application/json"),
                    ("not JSON at all", Array("name=Maria".utf8), "application/x-www-form-urlencoded"),
                    ("2 MiB", Array(("{\"name\":\"" + String(repeating: "x", count: 2 << 20) + "\"}").utf8), "application/json"),
                ]
                for (label, body, mediaType) in variants {
                    var headers = HTTPHeaders([("Content-Type", mediaType)])
                    headers.bearerAuthorization = BearerAuthorization(token: token)
                    let response = try await tester.sendRequest(endpoint.method, path, headers: headers, body: ByteBuffer(bytes: body))
                    checked += 1
                    #expect((400..<500).contains(response.status.code), "\(endpoint.method.rawValue) \(endpoint.path) with \(label): \(response.status)")
                    let reason = (try? response.json())?["reason"] as? String
                    #expect(reason?.isEmpty == false, "\(endpoint.method.rawValue) \(endpoint.path) with \(label) names no reason")
                    if label == "2 MiB" { #expect(response.status == .payloadTooLarge, "\(endpoint.path)") }
                }
            }
            #expect(checked > 150)
            #expect(try await Self.counts(bed.services) == before, "a refused request stored something")
        }
    }

    @Test func hostileStringsAreStoredAsTextOrRefusedButNeverBreakAnything() async throws {
        try await withAPI(.sqlite) { bed in
            let clinic = "/clinics/\(bed.clinicA1.id)"
            for text in Self.hostile {
                let escaped = String(decoding: try JSONEncoder().encode([text]), as: UTF8.self).dropFirst().dropLast()
                let created = try await bed.send(.POST, clinic + "/contacts", as: "adminA1", json: #"{"name":\#(escaped),"email":"x\#(UUID().uuidString.prefix(6))@example.com"}"#)
                #expect(created.status.code < 500, "\(text.prefix(20)): \(created.status)")
                if created.status == .created { #expect(try created.json()["name"] as? String == text, "stored as written, not interpreted") }
                for path in ["/contacts?q=", "/leads?stage=", "/knowledge/search?q="] {
                    let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                    let response = try await bed.send(.GET, clinic + path + query, as: "adminA1")
                    #expect(response.status.code < 500, "\(path)\(text.prefix(20)): \(response.status)")
                }
                let note = try await bed.send(.POST, clinic + "/contacts/\(bed.ids["contactID"]!)/notes", as: "consultantA1", json: #"{"text":\#(escaped)}"#)
                #expect(note.status.code < 500)
            }
            // Every table is still there and answers.
            #expect(try await Self.counts(bed.services).values.allSatisfy { $0 >= 0 })
            let page = try await bed.app.testing().sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/contacts/\(bed.ids["contactID"]!.lowercased)", headers: try await ConsoleTests().signIn(bed, "adminA1").headers)
            #expect(!page.body.string.contains("<script>alert(1)</script>"), "escaped on the console")
        }
    }

    @Test(arguments: ProviderCase.all)
    func mutatedForgedAndReplayedWebhooksAreNeverA5xxAndRefusedOnesStoreNothing(testCase: ProviderCase) async throws {
        try await withApp(.sqlite) { app, services in
            let channel = try await app.makeChannel(services, provider: testCase.provider, credentials: testCase.credentials)
            let tester = try app.testing()
            // Seeded from the provider's name (not `hashValue`, which changes with every process), so a failure repeats.
            var random = SplitMix64(seed: testCase.provider.rawValue.utf8.reduce(17) { $0 &* 31 &+ UInt64($1) })
            let valid = testCase.bodies[0]
            let punctuation: [Character] = ["{", "}", "[", "]", "\"", ",", ":", "0", "x", " ", "-", "\\"]
            var bodies: [String] = [String(valid.prefix(valid.count / 2)), "", "{}", "[]", "null", #"{"a":"#]
            for _ in 0..<25 {
                var characters = Array(valid)
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<characters.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: characters[index] = punctuation.randomElement(using: &random)!
                    case 1: characters.remove(at: index)
                    default: characters.insert(punctuation.randomElement(using: &random)!, at: index)
                    }
                }
                bodies.append(String(characters))
            }
            for body in bodies {
                let stored = try await services.engine.deliveries.list(channelID: channel.id).count
                let response = try await tester.postWebhook(testCase, channel: channel, body: body)
                #expect(response.status.code < 500, "\(testCase.provider) mutated body: \(response.status) \(response.body.string)")
                if response.status.code >= 400 {
                    #expect(try await services.engine.deliveries.list(channelID: channel.id).count == stored, "\(testCase.provider): a refused delivery was stored")
                    #expect((try? response.json())?["reason"] as? String != nil)
                }
            }
            let stored = try await services.engine.deliveries.list(channelID: channel.id).count
            // Forged: another body's signature. Unsigned. A day-old signature where the provider signs the time.
            let forged = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[1], headers: testCase.sign(valid + " ", "http://localhost/hooks/x", Date()))
            #expect(forged.status.code < 500)
            let unsigned = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[1], headers: [])
            #expect(unsigned.status == .unauthorized, "\(testCase.provider) without credentials: \(unsigned.status)")
            let replayed = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[1], signedAt: Date().addingTimeInterval(-86_400))
            #expect(replayed.status.code < 500)
            let invalidUTF8 = try await tester.sendRequest(.POST, "/hooks/\(testCase.provider.rawValue)/\(channel.id.uuidString.lowercased())", headers: HTTPHeaders([("Content-Type", testCase.mediaType)] + testCase.sign(valid, "http://localhost/hooks/\(testCase.provider.rawValue)/\(channel.id.uuidString.lowercased())", Date())), body: ByteBuffer(bytes: [0xFF, 0xFE, 0x7B]))
            #expect((400..<500).contains(invalidUTF8.status.code), "\(testCase.provider) non-UTF-8: \(invalidUTF8.status)")
            let oversized = try await tester.postWebhook(testCase, channel: channel, body: String(repeating: "x", count: 2 << 20))
            #expect(oversized.status == .payloadTooLarge)
            let accepted = [forged, replayed].filter { $0.status == .ok }.count
            #expect(try await services.engine.deliveries.list(channelID: channel.id).count <= stored + accepted, "only accepted deliveries are stored")
        }
    }
}
