import ClinicFlowDomain
import Foundation
import Vapor

/// One REST operation: its route, who may call it, what it takes and returns, and its handler.
///
/// Every route under `/api/v1` is declared as one of these, so registration, access checks and the
/// OpenAPI document come from one list and cannot drift apart. Access is checked here, before any
/// handler runs: a handler for a clinic route only ever sees a clinic the caller may access.
struct APIEndpoint: Sendable {
    enum Access: Sendable, Equatable {
        /// No token needed.
        case anyone
        /// Any signed-in user.
        case signedIn
        /// The path's `{clinicID}` must be a clinic the user can see, and their role at least this.
        case clinic(Role)
        /// Not clinic-scoped, but needs this role (creating clinics, agencies).
        case role(Role)
    }

    struct Parameter: Sendable {
        var name: String
        var schema: JSONSchema
        var description: String
    }

    var method: HTTPMethod
    /// Path under `/api/v1`, with `{param}` placeholders: `/clinics/{clinicID}/contacts`.
    var path: String
    var operationID: String
    var summary: String
    var tag: String
    var access: Access
    var query: [Parameter] = []
    var requestBody: (any APIModel.Type)?
    var successStatus: HTTPStatus = .ok
    var response: (any APIModel.Type)?
    var handler: @Sendable (APIContext) async throws -> Response

    /// Vapor path components: `{clinicID}` becomes `:clinicID`.
    var pathComponents: [PathComponent] {
        path.split(separator: "/").map { part in
            part.hasPrefix("{") ? .parameter(String(part.dropFirst().dropLast())) : .constant(String(part))
        }
    }

    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}

/// What a handler gets: the request, the caller, the clinic for clinic routes, and the services.
struct APIContext: Sendable {
    let request: Request
    let services: ClinicFlowServices
    let user: User?
    let clinic: Clinic?

    /// The signed-in user (present for every access level but `.anyone`).
    var principalUser: User {
        get throws {
            guard let user else { throw Abort(.unauthorized, reason: "sign in first") }
            return user
        }
    }

    var requiredClinic: Clinic {
        get throws {
            guard let clinic else { throw Abort(.internalServerError, reason: "clinic route without clinic") }
            return clinic
        }
    }

    /// A UUID path parameter, or 404 when it is not one.
    func id(_ name: String) throws -> UUID {
        guard let text = request.parameters.get(name), let id = UUID(uuidString: text) else {
            throw Abort(.notFound, reason: "\(request.parameters.get(name) ?? name) is not a valid id")
        }
        return id
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard request.headers.contentType == .json else {
            throw Abort(.unsupportedMediaType, reason: "send the body as application/json")
        }
        return try request.content.decode(T.self)
    }

    /// `limit` (1–200, default 50) and `offset` (≥ 0, default 0).
    func page() throws -> (limit: Int, offset: Int) {
        let limit = try intQuery("limit", default: 50, range: 1...200)
        let offset = try intQuery("offset", default: 0, range: 0...1_000_000)
        return (limit, offset)
    }

    func intQuery(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.query[String.self, at: name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Abort(.badRequest, reason: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func stringQuery(_ name: String) -> String? {
        request.query[String.self, at: name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func uuidQuery(_ name: String) throws -> UUID? {
        guard let text = stringQuery(name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw Abort(.badRequest, reason: "\(name) must be a UUID") }
        return id
    }

    func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(value, as: .json)
        return response
    }
}

extension Parameter {
    static let limit = APIEndpoint.Parameter(name: "limit", schema: .integer(minimum: 1, maximum: 200), description: "Page size (default 50).")
    static let offset = APIEndpoint.Parameter(name: "offset", schema: .integer(minimum: 0), description: "Items to skip.")
}

typealias Parameter = APIEndpoint.Parameter
