import ClinicFlowDomain
import Foundation
import JWTKit

/// The bearer token's claims: who, and until when. Roles and memberships are read from the database
/// on each request, so revoking a user or changing their role takes effect at once.
struct AuthToken: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

    static let lifetime: TimeInterval = 12 * 3600

    init(userID: UUID, issuedAt: Date = Date()) {
        sub = SubjectClaim(value: userID.uuidString)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: issuedAt.addingTimeInterval(Self.lifetime))
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }

    var userID: UUID? { UUID(uuidString: sub.value) }
}
