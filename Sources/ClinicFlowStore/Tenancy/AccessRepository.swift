import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

public enum AccessError: Error, Equatable, CustomStringConvertible {
    case emailTaken(String)
    case invalidEmail(String)
    case slugTaken(String)

    public var description: String {
        switch self {
        case .emailTaken(let email): "a user with the email \(email) already exists"
        case .invalidEmail(let email): "\(email) is not an email address"
        case .slugTaken(let slug): "an agency with the slug \(slug) already exists"
        }
    }
}

/// Agencies, users with their clinic memberships, and teams.
public struct AccessRepository: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    // MARK: Agencies

    public func createAgency(_ agency: Agency, on database: (any Database)? = nil) async throws -> Agency {
        let inserted = try await (database ?? store.db).sql.insert(into: "agencies")
            .columns("id", "name", "slug", "created_at")
            .values(SQLBind(agency.id), SQLBind(agency.name), SQLBind(agency.slug), SQLBind(clock()))
            .ignoringConflicts(with: ["slug"])
            .returning("id")
            .first()
        guard inserted != nil else { throw AccessError.slugTaken(agency.slug) }
        return agency
    }

    public func agency(slug: String, on database: (any Database)? = nil) async throws -> Agency? {
        try await (database ?? store.db).sql.select().columns("id", "name", "slug").from("agencies")
            .where("slug", .equal, slug).first()
            .map { Agency(id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "name", as: String.self), slug: try $0.decode(column: "slug", as: String.self)) }
    }

    // MARK: Users

    /// Creates a user with a bcrypt hash (hashing is the caller's, so the store never sees passwords).
    public func createUser(_ user: User, passwordHash: String, on database: (any Database)? = nil) async throws -> User {
        guard let email = EmailAddress.normalize(user.email) else { throw AccessError.invalidEmail(user.email) }
        var normalized = user
        normalized.email = email
        let user = normalized
        let now = clock()
        let store = self.store
        return try await (database ?? store.db).withTransaction { transaction in
            let inserted = try await transaction.sql.insert(into: "users")
                .columns("id", "email", "name", "password_hash", "role", "agency_id", "active", "created_at", "updated_at")
                .values(
                    SQLBind(user.id), SQLBind(email), SQLBind(user.name), SQLBind(passwordHash), SQLBind(user.role.rawValue),
                    bindOrNull(user.agencyID), SQLBind(user.active), SQLBind(now), SQLBind(now)
                )
                .ignoringConflicts(with: ["email"])
                .returning("id")
                .first()
            guard inserted != nil else { throw AccessError.emailTaken(email) }
            try await Self.setClinics(user.clinicIDs, userID: user.id, on: transaction.sql)
            return user
        }
    }

    public func user(id: UUID, on database: (any Database)? = nil) async throws -> User? {
        guard let row = try await selectUsers(on: database).where("id", .equal, id).first() else { return nil }
        return try await withClinics(try Self.user(row: row), on: database)
    }

    /// The user with this email and their password hash, for signing in.
    public func credentials(email: String, on database: (any Database)? = nil) async throws -> (User, String)? {
        guard let email = EmailAddress.normalize(email),
            let row = try await selectUsers(on: database).column("password_hash").where("email", .equal, email).first()
        else { return nil }
        return (try await withClinics(try Self.user(row: row), on: database), try row.decode(column: "password_hash", as: String.self))
    }

    /// Users who belong to the clinic, plus the agency admins over it.
    public func users(clinicID: UUID, agencyID: UUID?, on database: (any Database)? = nil) async throws -> [User] {
        let sql = (database ?? store.db).sql
        let memberIDs = try await Self.membersOfClinic.bind([clinicID], on: sql).all(decodingColumn: "user_id", as: UUID.self)
        var query = selectUsers(on: database).where { group in
            var group = group.where("id", .in, memberIDs.isEmpty ? [UUID()] : memberIDs)
            if let agencyID {
                group = group.orWhere { $0.where("role", .equal, Role.agencyAdmin.rawValue).where("agency_id", .equal, agencyID) }
            }
            return group
        }
        query = query.orderBy("name")
        var users: [User] = []
        for row in try await query.all() { users.append(try await withClinics(try Self.user(row: row), on: database)) }
        return users
    }

    public func update(_ user: User, passwordHash: String? = nil, on database: (any Database)? = nil) async throws {
        let store = self.store
        let now = clock()
        try await (database ?? store.db).withTransaction { transaction in
            var update = transaction.sql.update("users")
                .set("name", to: user.name)
                .set("max_open_leads", to: bindOrNull(user.maxOpenLeads))
                .set("working_hours", to: bindOrNull(try user.workingHours.map(JSONCoding.plainText)))
                .set("role", to: user.role.rawValue)
                .set("agency_id", to: bindOrNull(user.agencyID))
                .set("active", to: user.active)
                .set("updated_at", to: now)
            if let passwordHash { update = update.set("password_hash", to: passwordHash) }
            try await update.where("id", .equal, user.id).run()
            try await Self.setClinics(user.clinicIDs, userID: user.id, on: transaction.sql)
        }
    }

    public func recordLogin(userID: UUID) async throws {
        try await store.db.sql.update("users").set("last_login_at", to: clock()).where("id", .equal, userID).run()
    }

    private static func setClinics(_ clinicIDs: Set<UUID>, userID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_clinics").where("user_id", .equal, userID).run()
        guard !clinicIDs.isEmpty else { return }
        var insert = sql.insert(into: "user_clinics").columns("user_id", "clinic_id")
        for clinicID in clinicIDs.sorted(by: { $0.uuidString < $1.uuidString }) { insert = insert.values(SQLBind(userID), SQLBind(clinicID)) }
        try await insert.run()
    }

    private func selectUsers(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select().columns("id", "email", "name", "role", "agency_id", "active", "max_open_leads", "working_hours").from("users")
    }

    private func withClinics(_ user: User, on database: (any Database)?) async throws -> User {
        var user = user
        user.clinicIDs = Set(try await (database ?? store.db).sql.select().column("clinic_id").from("user_clinics")
            .where("user_id", .equal, user.id).all(decodingColumn: "clinic_id", as: UUID.self))
        return user
    }

    private static func user(row: any SQLRow) throws -> User {
        let roleName = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleName) else { throw StoreError.unexpectedResult("unknown role \(roleName)") }
        var user = User(
            id: try row.decode(column: "id", as: UUID.self), email: try row.decode(column: "email", as: String.self),
            name: try row.decode(column: "name", as: String.self), role: role,
            agencyID: try row.decode(column: "agency_id", as: UUID?.self), active: try row.decode(column: "active", as: Bool.self)
        )
        user.maxOpenLeads = try row.decode(column: "max_open_leads", as: Int?.self)
        user.workingHours = try row.decode(column: "working_hours", as: String?.self)
            .flatMap { try? JSONCoding.plainDecoder.decode(WorkingHours.self, from: Data($0.utf8)) }
        return user
    }

    // MARK: Assignment

    /// The clinic's consultants as assignment sees them: teams, caps, hours, open leads, last assignment.
    public func consultants(clinicID: UUID, openLeads: [UUID: Int], on database: (any Database)? = nil) async throws -> [Consultant] {
        let sql = (database ?? store.db).sql
        let memberIDs = try await Self.membersOfClinic.bind([clinicID], on: sql).all(decodingColumn: "user_id", as: UUID.self)
        guard !memberIDs.isEmpty else { return [] }
        let rows = try await selectUsers(on: database).column("last_assigned_at")
            .where("id", .in, memberIDs).where("role", .equal, Role.consultant.rawValue).all()
        let teams = try await self.teams(clinicID: clinicID, on: database)
        return try rows.map { row in
            let user = try Self.user(row: row)
            return Consultant(
                id: user.id, active: user.active, departments: Set(teams.filter { $0.memberIDs.contains(user.id) }.map(\.key)),
                maxOpenLeads: user.maxOpenLeads, openLeads: openLeads[user.id] ?? 0, workingHours: user.workingHours,
                lastAssignedAt: try row.decode(column: "last_assigned_at", as: Date?.self)
            )
        }
    }

    /// Every new lead's assignment asks who works at the clinic: written once (`FixedStatement`).
    private static let membersOfClinic = FixedStatement(arity: 1) { sql, values in
        sql.select().column("user_id").from("user_clinics").where("clinic_id", .equal, values[0]).query
    }

    public func markAssigned(_ userID: UUID, at date: Date, on database: (any Database)? = nil) async throws {
        try await (database ?? store.db).sql.update("users").set("last_assigned_at", to: date).where("id", .equal, userID).run()
    }

    // MARK: Teams

    public func createTeam(_ team: Team, on database: (any Database)? = nil) async throws -> Team {
        let store = self.store
        let now = clock()
        return try await (database ?? store.db).withTransaction { transaction in
            try await transaction.sql.insert(into: "teams")
                .columns("id", "clinic_id", "key", "name", "created_at")
                .values(SQLBind(team.id), SQLBind(team.clinicID), SQLBind(team.key), SQLBind(team.name), SQLBind(now))
                .run()
            for member in team.memberIDs {
                try await transaction.sql.insert(into: "team_members").columns("team_id", "user_id")
                    .values(SQLBind(team.id), SQLBind(member)).run()
            }
            return team
        }
    }

    /// Replaces the user's team memberships within one clinic.
    public func setTeams(userID: UUID, teamIDs: [UUID], clinicID: UUID, on database: (any Database)? = nil) async throws {
        let store = self.store
        try await (database ?? store.db).withTransaction { transaction in
            let clinicTeams = try await transaction.sql.select().column("id").from("teams").where("clinic_id", .equal, clinicID)
                .all(decodingColumn: "id", as: UUID.self)
            if !clinicTeams.isEmpty {
                try await transaction.sql.delete(from: "team_members").where("user_id", .equal, userID).where("team_id", .in, clinicTeams).run()
            }
            for team in teamIDs where clinicTeams.contains(team) {
                try await transaction.sql.insert(into: "team_members").columns("team_id", "user_id").values(SQLBind(team), SQLBind(userID)).run()
            }
        }
    }

    public func teams(clinicID: UUID, on database: (any Database)? = nil) async throws -> [Team] {
        let sql = (database ?? store.db).sql
        let rows = try await sql.select().columns("id", "clinic_id", "key", "name").from("teams")
            .where("clinic_id", .equal, clinicID).orderBy("name").all()
        var teams: [Team] = []
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let members = try await sql.select().column("user_id").from("team_members").where("team_id", .equal, id)
                .all(decodingColumn: "user_id", as: UUID.self)
            teams.append(Team(
                id: id, clinicID: try row.decode(column: "clinic_id", as: UUID.self), key: try row.decode(column: "key", as: String.self),
                name: try row.decode(column: "name", as: String.self), memberIDs: Set(members)
            ))
        }
        return teams
    }
}
