import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Each clinic's pipeline stages, in order.
public struct PipelineRepository: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    /// The clinic's pipeline; the standard one for a clinic that has none stored.
    public func pipeline(clinicID: UUID, on database: (any Database)? = nil) async throws -> Pipeline {
        let rows = try await Self.stagesOfClinic.bind([clinicID], on: (database ?? store.db).sql).all()
        guard !rows.isEmpty else { return .standard }
        let stages = try rows.map { row in
            PipelineStage(
                key: try row.decode(column: "key", as: String.self),
                name: try row.decode(column: "name", as: String.self),
                outcome: PipelineStage.Outcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .open
            )
        }
        return try Pipeline(stages)
    }

    /// Every new lead's intake reads the pipeline: written once (`FixedStatement`).
    private static let stagesOfClinic = FixedStatement(arity: 1) { sql, values in
        sql.select().columns("key", "name", "outcome").from("pipeline_stages").where("clinic_id", .equal, values[0]).orderBy("position").query
    }

    /// Replaces the clinic's stages. Callers check that no open lead sits in a removed stage.
    public func replaceStages(_ stages: [PipelineStage], clinicID: UUID, on database: (any Database)? = nil) async throws {
        let sql = (database ?? store.db).sql
        try await sql.delete(from: "pipeline_stages").where("clinic_id", .equal, clinicID).run()
        var insert = sql.insert(into: "pipeline_stages").columns("id", "clinic_id", "key", "name", "outcome", "position")
        for (position, stage) in stages.enumerated() {
            insert = insert.values(
                SQLBind(UUID()), SQLBind(clinicID), SQLBind(stage.key), SQLBind(stage.name), SQLBind(stage.outcome.rawValue),
                SQLBind(position)
            )
        }
        try await insert.run()
    }
}
