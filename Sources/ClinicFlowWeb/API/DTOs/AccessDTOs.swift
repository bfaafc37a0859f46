import ClinicFlowDomain
import Foundation

struct UserDTO: APIModel {
    var id: UUID
    var email: String
    var name: String
    var role: Role
    var agencyId: UUID?
    var clinicIds: [UUID]
    var active: Bool

    init(_ user: User) {
        id = user.id
        email = user.email
        name = user.name
        role = user.role
        agencyId = user.agencyID
        clinicIds = user.clinicIDs.sorted { $0.uuidString < $1.uuidString }
        active = user.active
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("email", .string(format: "email")), ("name", .string()), ("role", .string(enumValues: Role.allCases.map(\.rawValue))),
        ("agency_id", .nullable(.uuid)), ("clinic_ids", .array(.uuid)), ("active", .boolean),
    ], required: ["id", "email", "name", "role", "clinic_ids", "active"])
}

struct LoginRequest: APIModel {
    var email: String
    var password: String

    static let schema = JSONSchema.object(properties: [("email", .string(format: "email")), ("password", .string(format: "password"))], required: ["email", "password"])
}

struct LoginResponse: APIModel {
    var token: String
    var tokenType: String
    var expiresAt: Date
    var user: UserDTO

    static let schema = JSONSchema.object(properties: [
        ("token", .string()), ("token_type", .string(enumValues: ["Bearer"])), ("expires_at", .dateTime), ("user", .reference(UserDTO.schemaName)),
    ], required: ["token", "token_type", "expires_at", "user"])
}

struct CreateUserRequest: APIModel {
    var email: String
    var name: String
    var role: Role
    var password: String
    var agencyId: UUID?

    static let schema = JSONSchema.object(properties: [
        ("email", .string(format: "email")), ("name", .string()), ("role", .string(enumValues: Role.allCases.map(\.rawValue))),
        ("password", .string(format: "password", description: "At least 10 characters.")), ("agency_id", .nullable(.uuid)),
    ], required: ["email", "name", "role", "password"])
}

struct UpdateUserRequest: APIModel {
    var name: String?
    var role: Role?
    var active: Bool?
    var password: String?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("role", .string(enumValues: Role.allCases.map(\.rawValue))), ("active", .boolean),
        ("password", .string(format: "password")),
    ], required: [])
}

struct ClinicDTO: APIModel {
    var id: UUID
    var name: String
    var slug: String
    var timeZone: String
    var defaultRegion: String
    var agencyId: UUID?

    init(_ clinic: Clinic) {
        id = clinic.id
        name = clinic.name
        slug = clinic.slug
        timeZone = clinic.timeZone
        defaultRegion = clinic.defaultRegion
        agencyId = clinic.agencyID
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("name", .string()), ("slug", .string()), ("time_zone", .string(description: "IANA time zone")),
        ("default_region", .string(description: "ISO 3166 country for local phone numbers")), ("agency_id", .nullable(.uuid)),
    ], required: ["id", "name", "slug", "time_zone", "default_region"])
}


struct CreateClinicRequest: APIModel {
    var name: String
    var slug: String
    var timeZone: String
    var defaultRegion: String
    var agencyId: UUID?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("slug", .string()), ("time_zone", .string()), ("default_region", .string()), ("agency_id", .nullable(.uuid)),
    ], required: ["name", "slug", "time_zone", "default_region"])
}

struct UpdateClinicRequest: APIModel {
    var name: String?
    var timeZone: String?
    var defaultRegion: String?

    static let schema = JSONSchema.object(properties: [("name", .string()), ("time_zone", .string()), ("default_region", .string())], required: [])
}


struct TeamDTO: APIModel {
    var id: UUID
    var key: String
    var name: String
    var memberIds: [UUID]

    init(_ team: Team) {
        id = team.id
        key = team.key
        name = team.name
        memberIds = team.memberIDs.sorted { $0.uuidString < $1.uuidString }
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("key", .string()), ("name", .string()), ("member_ids", .array(.uuid)),
    ], required: ["id", "key", "name", "member_ids"])
}


struct CreateTeamRequest: APIModel {
    var key: String
    var name: String
    var memberIds: [UUID]?

    static let schema = JSONSchema.object(properties: [("key", .string()), ("name", .string()), ("member_ids", .array(.uuid))], required: ["key", "name"])
}

struct StageDTO: APIModel {
    var key: String
    var name: String
    var outcome: PipelineStage.Outcome

    static let schema = JSONSchema.object(properties: [
        ("key", .string(description: "Upper-case identifier, e.g. QUALIFIED")), ("name", .string()),
        ("outcome", .string(enumValues: ["open", "won", "lost"])),
    ], required: ["key", "name", "outcome"])
}

struct StageList: APIModel {
    var stages: [StageDTO]
    static let schema = JSONSchema.object(properties: [("stages", .array(.reference(StageDTO.schemaName)))], required: ["stages"])
}
