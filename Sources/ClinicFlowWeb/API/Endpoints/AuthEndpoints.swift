import ClinicFlowDomain
import Foundation
import JWT
import Vapor

enum AuthEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .POST, path: "/auth/login", operationID: "login", summary: "Sign in with email and password; returns a bearer token.",
            tag: "auth", access: .anyone, requestBody: LoginRequest.self, response: LoginResponse.self
        ) { context in
            let body = try context.decode(LoginRequest.self)
            let services = context.services
            guard let (user, hash) = try await services.engine.access.credentials(email: body.email),
                try await verify(body.password, hash, services: services)
            else {
                throw Abort(.unauthorized, reason: "the email or the password is wrong")
            }
            guard user.active else { throw Abort(.forbidden, reason: "this account is disabled; ask an administrator") }
            let token = AuthToken(userID: user.id)
            let signed = try await context.request.application.jwt.keys.sign(token)
            try await services.engine.access.recordLogin(userID: user.id)
            return try context.json(LoginResponse(token: signed, tokenType: "Bearer", expiresAt: token.exp.value, user: UserDTO(user)))
        },
        APIEndpoint(
            method: .GET, path: "/me", operationID: "me", summary: "The signed-in user.", tag: "auth", access: .signedIn,
            response: UserDTO.self
        ) { context in
            try context.json(UserDTO(try context.principalUser))
        },
    ]

    /// bcrypt is deliberately slow; it runs off the event loops.
    private static func verify(_ password: String, _ hash: String, services: ClinicFlowServices) async throws -> Bool {
        let hasher = services.passwordHasher
        return try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, against: hash) }
    }
}
