@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct OpenAPITests {
    @Test func theDocumentDescribesExactlyTheRegisteredRoutes() async throws {
        try await withApp(.sqlite) { app, _ in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })

            let registered = Set(app.routes.all.compactMap { route -> String? in
                let parts = route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }
                guard parts.starts(with: ["api", "v1"]) else { return nil }
                return "\(route.method.rawValue) /" + parts.dropFirst(2).joined(separator: "/")
            })
            #expect(!registered.isEmpty)
            #expect(documented == registered, "only documented: \(documented.subtracting(registered)); only registered: \(registered.subtracting(documented))")

            // Every reference points at a schema the document defines.
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let text = String(buffer: response.body)
            let refs = Set(text.components(separatedBy: "#/components/schemas/").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) })
            #expect(!refs.isEmpty)
            #expect(refs.subtracting(schemas.keys).isEmpty, "dangling: \(refs.subtracting(schemas.keys))")
            // Every operation has an id, a summary and a success response.
            for (path, operations) in paths {
                for (method, value) in operations {
                    let operation = try #require(value as? [String: Any])
                    #expect(operation["operationId"] as? String != nil, "\(method) \(path)")
                    let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(path)")
                    #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path)")
                }
            }
        }
    }
}
