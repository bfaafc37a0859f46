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

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func create(_ clinic: Clinic, on database: (any Database)? = nil) async throws -> Clinic {
        guard Clinic.isValidSlug(clinic.slug) else { throw TenancyError.invalidSlug(clinic.slug) }
        let sql = (database ?? store.db).sql
        let now = clock()
        let inserted = try await sql.insert(into: "clinics")
            .columns("id", "name", "slug", "time_zone", "default_region", "created_at", "updated_at")
            .values(
                SQLBind(clinic.id), SQLBind(clinic.name), SQLBind(clinic.slug), SQLBind(clinic.timeZone),
                SQLBind(clinic.defaultRegion), SQLBind(now), SQLBind(now)
            )
            .ignoringConflicts(with: ["slug"])
            .returning("id")
            .first()
        guard inserted != nil else { throw TenancyError.slugTaken(clinic.slug) }
        return clinic
    }

    /// Creates the clinic, or updates the one with its slug (for `clinicflow.yml` seeding). Keeps the stored id.
    public func upsert(_ clinic: Clinic, on database: (any Database)? = nil) async throws -> Clinic {
        if var existing = try await find(slug: clinic.slug, on: database) {
            existing.name = clinic.name
            existing.timeZone = clinic.timeZone
            existing.defaultRegion = clinic.defaultRegion
            try await (database ?? store.db).sql.update("clinics")
                .set("name", to: existing.name)
                .set("time_zone", to: existing.timeZone)
                .set("default_region", to: existing.defaultRegion)
                .set("updated_at", to: clock())
                .where("id", .equal, existing.id)
                .run()
            return existing
        }
        return try await create(clinic, on: database)
    }

    public func find(id: UUID, on database: (any Database)? = nil) async throws -> Clinic? {
        try await select(on: database).where("id", .equal, id).first().map(Clinic.init(row:))
    }

    public func find(slug: String, on database: (any Database)? = nil) async throws -> Clinic? {
        try await select(on: database).where("slug", .equal, slug).first().map(Clinic.init(row:))
    }

    public func all(on database: (any Database)? = nil) async throws -> [Clinic] {
        try await select(on: database).orderBy("name").all().map(Clinic.init(row:))
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select()
            .columns("id", "name", "slug", "time_zone", "default_region")
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
            defaultRegion: try row.decode(column: "default_region", as: String.self)
        )
    }
}
