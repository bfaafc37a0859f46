import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Vapor

enum UserEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/users", operationID: "listUsers",
            summary: "The clinic's users, and the agency admins over it.", tag: "users", access: .clinic(.viewer), response: ItemList<UserDTO>.self
        ) { context in
            let clinic = try context.requiredClinic
            let users = try await context.services.engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
            return try context.json(ItemList(items: users.map(UserDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/users", operationID: "createUser",
            summary: "Create a user of this clinic (no role above your own).", tag: "users", access: .clinic(.clinicAdmin),
            requestBody: CreateUserRequest.self, successStatus: .created, response: UserDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let actor = try context.principalUser
            let body = try context.decode(CreateUserRequest.self)
            guard actor.principal.mayGrant(body.role) else {
                throw Abort(.forbidden, reason: "you cannot give the \(body.role.rawValue) role")
            }
            if let weakness = PasswordHasher.weakness(of: body.password) { throw Abort(.unprocessableEntity, reason: weakness) }
            guard let email = EmailAddress.normalize(body.email) else { throw Abort(.unprocessableEntity, reason: "\(body.email) is not an email address") }
            let user = User(
                email: email, name: try required(body.name, "name"), role: body.role,
                agencyID: body.role == .platformAdmin ? nil : clinic.agencyID,
                clinicIDs: body.role >= .agencyAdmin ? [] : [clinic.id]
            )
            let hash = try await hash(body.password, context)
            do {
                let created = try await context.services.engine.access.createUser(user, passwordHash: hash)
                return try context.json(UserDTO(created), status: .created)
            } catch let error as AccessError {
                throw Abort(.conflict, reason: error.description)
            }
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}/users/{userID}", operationID: "updateUser",
            summary: "Rename, change the role of, disable or reset the password of a user of this clinic.", tag: "users",
            access: .clinic(.clinicAdmin), requestBody: UpdateUserRequest.self, response: UserDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let actor = try context.principalUser
            let access = context.services.engine.access
            guard var user = try await access.user(id: try context.id("userID")),
                user.clinicIDs.contains(clinic.id) || (user.role == .agencyAdmin && user.agencyID == clinic.agencyID && clinic.agencyID != nil)
            else { throw Abort(.notFound, reason: "no user \(context.request.parameters.get("userID") ?? "") in this clinic") }
            guard user.role <= actor.role else { throw Abort(.forbidden, reason: "you cannot change a user whose role is above yours") }
            let body = try context.decode(UpdateUserRequest.self)
            if let role = body.role {
                guard actor.principal.mayGrant(role) else { throw Abort(.forbidden, reason: "you cannot give the \(role.rawValue) role") }
                user.role = role
                if role < .agencyAdmin, user.clinicIDs.isEmpty { user.clinicIDs = [clinic.id] }
            }
            if let name = body.name { user.name = try required(name, "name") }
            if let active = body.active {
                guard active || user.id != actor.id else { throw Abort(.unprocessableEntity, reason: "you cannot disable yourself") }
                user.active = active
            }
            var hash: String?
            if let password = body.password {
                if let weakness = PasswordHasher.weakness(of: password) { throw Abort(.unprocessableEntity, reason: weakness) }
                hash = try await Self.hash(password, context)
            }
            try await access.update(user, passwordHash: hash)
            return try context.json(UserDTO(user))
        },
    ]

    static func hash(_ password: String, _ context: APIContext) async throws -> String {
        let hasher = context.services.passwordHasher
        return try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
    }
}
