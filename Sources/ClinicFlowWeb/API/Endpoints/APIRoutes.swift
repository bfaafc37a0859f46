import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import JWT
import Vapor

/// Registers every `APIEndpoint` under `/api/v1`, wrapping each handler in authentication and
/// access checks.
struct APIRoutes: RouteCollection {
    /// How callers prove who they are: a bearer token (API clients), or the console's session cookie
    /// with its CSRF token on every request that changes something.
    enum Credentials: Sendable { case bearer, session }

    let services: ClinicFlowServices
    let endpoints: [APIEndpoint]
    var prefix: [PathComponent] = Self.prefix
    var credentials: Credentials = .bearer

    static let prefix: [PathComponent] = ["api", "v1"]
    /// The same operations for the console's JavaScript, signed in by cookie.
    static let consolePrefix: [PathComponent] = ["console", "api", "v1"]

    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped(prefix)
        for endpoint in endpoints {
            api.on(endpoint.method, endpoint.pathComponents, body: .collect(maxSize: "1mb")) { request in
                try await self.run(endpoint, request)
            }
        }
    }

    private func run(_ endpoint: APIEndpoint, _ request: Request) async throws -> Response {
        switch endpoint.access {
        case .anyone:
            return try await endpoint.handler(APIContext(request: request, services: services, user: nil, clinic: nil))
        case .signedIn:
            let user = try await authenticate(request)
            return try await endpoint.handler(APIContext(request: request, services: services, user: user, clinic: nil))
        case .role(let minimum):
            let user = try await authenticate(request)
            try require(minimum, user)
            return try await endpoint.handler(APIContext(request: request, services: services, user: user, clinic: nil))
        case .clinic(let minimum):
            let user = try await authenticate(request)
            let clinic = try await accessibleClinic(request, user)
            try require(minimum, user)
            return try await endpoint.handler(APIContext(request: request, services: services, user: user, clinic: clinic))
        }
    }

    /// The caller's user, active and present.
    private func authenticate(_ request: Request) async throws -> User {
        if credentials == .session {
            guard let user = try await ConsoleSession.user(request, services: services) else {
                throw Abort(.unauthorized, reason: "sign in to the console first")
            }
            if ![.GET, .HEAD].contains(request.method) {
                guard let token = request.headers.first(name: ConsoleSession.csrfHeader), ConsoleSession.validCSRF(token, request: request, services: services) else {
                    throw Abort(.forbidden, reason: "missing or wrong \(ConsoleSession.csrfHeader); reload the page")
                }
            }
            return user
        }
        guard let bearer = request.headers.bearerAuthorization else {
            throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "missing Authorization: Bearer token (POST /api/v1/auth/login gives one)")
        }
        let token: AuthToken
        do {
            token = try await request.application.jwt.keys.verify(bearer.token, as: AuthToken.self)
        } catch {
            throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "the token is invalid or expired; sign in again")
        }
        guard let id = token.userID, let user = try await services.engine.access.user(id: id), user.active else {
            throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "the token's user no longer exists or is disabled")
        }
        request.logger[metadataKey: "user_id"] = .string(id.uuidString)
        return user
    }

    /// The path's clinic, if this user may see it. Others get 404, as if it did not exist: a clinic's
    /// existence is itself not for other tenants to learn.
    private func accessibleClinic(_ request: Request, _ user: User) async throws -> Clinic {
        guard let text = request.parameters.get("clinicID"), let id = UUID(uuidString: text),
            let clinic = try await services.engine.clinics.find(id: id),
            user.principal.canAccess(clinicID: clinic.id, agencyOfClinic: clinic.agencyID)
        else {
            throw Abort(.notFound, reason: "no clinic \(request.parameters.get("clinicID") ?? "")")
        }
        request.logger[metadataKey: "clinic_id"] = .string(clinic.id.uuidString)
        return clinic
    }

    private func require(_ minimum: Role, _ user: User) throws {
        guard user.role >= minimum else {
            throw Abort(.forbidden, reason: "this needs the \(minimum.rawValue) role or higher; you are \(user.role.rawValue)")
        }
    }
}
