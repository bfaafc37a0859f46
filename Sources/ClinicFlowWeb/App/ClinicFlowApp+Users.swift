import ClinicFlowDomain
import ClinicFlowStore
import Foundation

extension ClinicFlowApp {
    public struct UserCreationError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates a user from the command line (bootstrap of the first admin).
    public static func createUser(
        email: String, name: String, role: Role, clinicSlug: String?, password: String?, services: ClinicFlowServices
    ) async throws -> (user: User, password: String) {
        let password = password ?? String((0..<20).map { _ in "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement()! })
        if let weakness = PasswordHasher.weakness(of: password) { throw UserCreationError(description: weakness) }
        if role == .agencyAdmin {
            throw UserCreationError(description: "agency admins belong to an agency: create them through the API as a platform admin")
        }
        var clinicIDs: Set<UUID> = []
        var agencyID: UUID?
        if role < .agencyAdmin {
            guard let slug = clinicSlug, let clinic = try await services.engine.clinics.find(slug: slug) else {
                throw UserCreationError(description: "a \(role.rawValue) needs --clinic with an existing clinic slug")
            }
            clinicIDs = [clinic.id]
            agencyID = clinic.agencyID
        }
        do {
            let user = try await services.engine.access.createUser(
                User(email: email, name: name, role: role, agencyID: agencyID, clinicIDs: clinicIDs),
                passwordHash: try services.passwordHasher.hash(password)
            )
            return (user, password)
        } catch let error as AccessError {
            throw UserCreationError(description: error.description)
        }
    }
}
