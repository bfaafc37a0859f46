import ClinicFlowDomain
import Crypto
import Foundation
import JWT
import Vapor

/// The console's sign-in: the same signed token the API hands out, kept in an HttpOnly, SameSite
/// cookie the page's scripts cannot read; every change also carries a CSRF token derived from it
/// (HMAC with the server's secret), so another site can neither read nor forge one.
enum ConsoleSession {
    static let cookieName = "clinicflow_session"
    static let csrfHeader = "X-CSRF-Token"
    static let csrfField = "_csrf"

    static func user(_ request: Request, services: ClinicFlowServices) async throws -> User? {
        guard let token = request.cookies[cookieName]?.string,
            let payload = try? await request.application.jwt.keys.verify(token, as: AuthToken.self),
            let id = payload.userID, let user = try await services.engine.access.user(id: id), user.active
        else { return nil }
        request.logger[metadataKey: "user_id"] = .string(id.uuidString)
        return user
    }

    static func csrfToken(forSession token: String, services: ClinicFlowServices) -> String {
        let key = SymmetricKey(data: Data("console-csrf:\(services.config.secrets.jwtSecret)".utf8))
        return HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    static func csrfToken(_ request: Request, services: ClinicFlowServices) -> String? {
        guard let session = request.cookies[cookieName]?.string, !session.isEmpty else { return nil }
        return csrfToken(forSession: session, services: services)
    }

    static func validCSRF(_ presented: String, request: Request, services: ClinicFlowServices) -> Bool {
        guard let expected = csrfToken(request, services: services) else { return false }
        // Constant time: the comparison must not tell how many leading characters were right.
        return presented.utf8.count == expected.utf8.count && zip(presented.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func cookie(_ token: String, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, maxAge: Int(AuthToken.lifetime), path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .strict)
    }

    static var expired: HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", isHTTPOnly: true, sameSite: .strict)
    }
}
