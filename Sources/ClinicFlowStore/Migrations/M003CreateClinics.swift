import FluentKit

struct M003CreateClinics: AsyncMigration {
    var name: String { "003-create-clinics" }

    func prepare(on database: any Database) async throws {
        try await database.schema("clinics")
            .id()
            .field("name", .string, .required)
            .field("slug", .string, .required)
            .field("time_zone", .string, .required)
            .field("default_region", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "slug", name: "clinics_slug")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clinics").delete()
    }
}
