import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

public enum TenancyError: Error, Equatable, CustomStringConvertible {
    case invalidSlug(String)
    case slugTaken(String)
    case clinicNotFound(UUID)

    public var description: String {
        switch self {
        case .invalidSlug(let slug): "\(slug) is not a valid clinic slug (lower-case letters, digits and dashes)"
        case .slugTaken(let slug): "a clinic with the slug \(slug) already exists"
        case .clinicNotFound(let id): "no clinic \(id)"
        }
    }
}

public struct ClinicRepository: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date
    /// Every job reads its clinic; its name and time zone change rarely.
    private let recent = RecentReads<UUID, Clinic>()

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    /// Creates the clinic with the standard pipeline.
    public func create(_ clinic: Clinic, on database: (any Database)? = nil) async throws -> Clinic {
        guard Clinic.isValidSlug(clinic.slug) else { throw TenancyError.invalidSlug(clinic.slug) }
        let now = clock()
        let store = self.store
        return try await (database ?? store.db).withTransaction { transaction in
            let inserted = try await transaction.sql.insert(into: "clinics")
                .columns("id", "name", "slug", "time_zone", "default_region", "agency_id", "created_at", "updated_at")
                .values(
                    SQLBind(clinic.id), SQLBind(clinic.name), SQLBind(clinic.slug), SQLBind(clinic.timeZone),
                    SQLBind(clinic.defaultRegion), bindOrNull(clinic.agencyID), SQLBind(now), SQLBind(now)
                )
                .ignoringConflicts(with: ["slug"])
                .returning("id")
                .first()
            guard inserted != nil else { throw TenancyError.slugTaken(clinic.slug) }
            try await PipelineRepository(store: store).replaceStages(PipelineStage.defaults, clinicID: clinic.id, on: transaction)
            return clinic
        }
    }

    /// Creates the clinic, or updates the one with its slug (for `clinicflow.yml` seeding). Keeps the stored id.
    public func upsert(_ clinic: Clinic, on database: (any Database)? = nil) async throws -> Clinic {
        if var existing = try await find(slug: clinic.slug, on: database) {
            existing.name = clinic.name
            existing.timeZone = clinic.timeZone
            existing.defaultRegion = clinic.defaultRegion
            existing.agencyID = clinic.agencyID ?? existing.agencyID
            defer { recent.forget(existing.id) }
            try await (database ?? store.db).sql.update("clinics")
                .set("name", to: existing.name)
                .set("time_zone", to: existing.timeZone)
                .set("default_region", to: existing.defaultRegion)
                .set("agency_id", to: bindOrNull(existing.agencyID))
                .set("updated_at", to: clock())
                .where("id", .equal, existing.id)
                .run()
            return existing
        }
        return try await create(clinic, on: database)
    }

    /// May answer from a copy read up to two seconds ago (see `RecentReads`).
    public func find(id: UUID, on database: (any Database)? = nil) async throws -> Clinic? {
        try await recent.value(for: id, on: database) {
            try await select(on: database).where("id", .equal, id).first().map(Clinic.init(row:))
        }
    }

    public func find(slug: String, on database: (any Database)? = nil) async throws -> Clinic? {
        try await select(on: database).where("slug", .equal, slug).first().map(Clinic.init(row:))
    }

    public func all(on database: (any Database)? = nil) async throws -> [Clinic] {
        try await select(on: database).orderBy("name").all().map(Clinic.init(row:))
    }

    /// The clinics a user may see: all for platform admins, the agency's for agency admins, their own otherwise.
    public func visible(to principal: Principal, on database: (any Database)? = nil) async throws -> [Clinic] {
        switch principal.role {
        case .platformAdmin:
            return try await all(on: database)
        case .agencyAdmin:
            guard let agencyID = principal.agencyID else { return [] }
            return try await select(on: database).where("agency_id", .equal, agencyID).orderBy("name").all().map(Clinic.init(row:))
        case .clinicAdmin, .consultant, .viewer:
            guard !principal.clinicIDs.isEmpty else { return [] }
            return try await select(on: database).where("id", .in, Array(principal.clinicIDs)).orderBy("name").all().map(Clinic.init(row:))
        }
    }

    /// Changes a clinic's details (not its slug, which names it in URLs and configuration).
    public func update(_ clinic: Clinic, on database: (any Database)? = nil) async throws {
        // After the write: a read racing it either stored before (and is dropped now) or finds the
        // generation moved and stores nothing.
        defer { recent.forget(clinic.id) }
        try await (database ?? store.db).sql.update("clinics")
            .set("name", to: clinic.name)
            .set("time_zone", to: clinic.timeZone)
            .set("default_region", to: clinic.defaultRegion)
            .set("updated_at", to: clock())
            .where("id", .equal, clinic.id)
            .run()
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select()
            .columns("id", "name", "slug", "time_zone", "default_region", "agency_id")
            .from("clinics")
    }
}

extension Clinic {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: UUID.self),
            name: try row.decode(column: "name", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            timeZone: try row.decode(column: "time_zone", as: String.self),
            defaultRegion: try row.decode(column: "default_region", as: String.self),
            agencyID: try row.decode(column: "agency_id", as: UUID?.self)
        )
    }
}
