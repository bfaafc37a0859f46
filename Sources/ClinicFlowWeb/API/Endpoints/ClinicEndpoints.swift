import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Vapor

enum ClinicEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics", operationID: "listClinics", summary: "Clinics the signed-in user can see.",
            tag: "clinics", access: .signedIn, response: ItemList<ClinicDTO>.self
        ) { context in
            let clinics = try await context.services.engine.clinics.visible(to: try context.principalUser.principal)
            return try context.json(ItemList(items: clinics.map(ClinicDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics", operationID: "createClinic", summary: "Create a clinic (agency admins, in their agency).",
            tag: "clinics", access: .role(.agencyAdmin), requestBody: CreateClinicRequest.self, successStatus: .created, response: ClinicDTO.self
        ) { context in
            let user = try context.principalUser
            let body = try context.decode(CreateClinicRequest.self)
            let agencyID = user.role == .platformAdmin ? body.agencyId : user.agencyID
            try validate(timeZone: body.timeZone, region: body.defaultRegion)
            let clinic: Clinic
            do {
                clinic = try await context.services.engine.clinics.create(Clinic(
                    name: try required(body.name, "name"), slug: body.slug, timeZone: body.timeZone,
                    defaultRegion: body.defaultRegion.uppercased(), agencyID: agencyID
                ))
            } catch let error as TenancyError {
                throw Abort(error.isConflict ? .conflict : .unprocessableEntity, reason: error.description)
            }
            return try context.json(ClinicDTO(clinic), status: .created)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}", operationID: "getClinic", summary: "One clinic.", tag: "clinics",
            access: .clinic(.viewer), response: ClinicDTO.self
        ) { context in
            try context.json(ClinicDTO(try context.requiredClinic))
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}", operationID: "updateClinic", summary: "Change a clinic's name, time zone or region.",
            tag: "clinics", access: .clinic(.clinicAdmin), requestBody: UpdateClinicRequest.self, response: ClinicDTO.self
        ) { context in
            var clinic = try context.requiredClinic
            let body = try context.decode(UpdateClinicRequest.self)
            if let name = body.name { clinic.name = try required(name, "name") }
            if let zone = body.timeZone { clinic.timeZone = zone }
            if let region = body.defaultRegion { clinic.defaultRegion = region.uppercased() }
            try validate(timeZone: clinic.timeZone, region: clinic.defaultRegion)
            try await context.services.engine.clinics.update(clinic)
            return try context.json(ClinicDTO(clinic))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/stages", operationID: "listStages", summary: "The clinic's pipeline stages, in order.",
            tag: "pipeline", access: .clinic(.viewer), response: StageList.self
        ) { context in
            let pipeline = try await context.services.engine.pipelines.pipeline(clinicID: try context.requiredClinic.id)
            return try context.json(StageList(stages: pipeline.stages.map { StageDTO(key: $0.key, name: $0.name, outcome: $0.outcome) }))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/stages", operationID: "replaceStages",
            summary: "Replace the pipeline. Stages holding open leads cannot be removed.", tag: "pipeline",
            access: .clinic(.clinicAdmin), requestBody: StageList.self, response: StageList.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(StageList.self)
            let pipeline: Pipeline
            do {
                pipeline = try Pipeline(body.stages.map { PipelineStage(key: $0.key, name: $0.name, outcome: $0.outcome) })
            } catch {
                throw Abort(.unprocessableEntity, reason: String(describing: error))
            }
            let engine = context.services.engine
            let occupied = try await engine.leads.openCounts(clinicID: clinic.id)
            if let stranded = occupied.keys.sorted().first(where: { pipeline.stage($0) == nil }) {
                throw Abort(.conflict, reason: "stage \(stranded) still holds \(occupied[stranded]!) open lead(s); move them first")
            }
            try await engine.store.db.withTransaction { transaction in
                try await engine.pipelines.replaceStages(pipeline.stages, clinicID: clinic.id, on: transaction)
                try await engine.events.append(
                    try EventDraft(
                        clinicID: clinic.id, stream: "clinic-\(clinic.id.text(lowercase: true))", type: "pipeline.replaced",
                        encoding: ["stages": pipeline.stages.map(\.key)], correlationID: context.request.correlationID
                    ),
                    on: transaction
                )
            }
            return try context.json(StageList(stages: pipeline.stages.map { StageDTO(key: $0.key, name: $0.name, outcome: $0.outcome) }))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/teams", operationID: "listTeams", summary: "The clinic's teams (departments).",
            tag: "clinics", access: .clinic(.viewer), response: ItemList<TeamDTO>.self
        ) { context in
            let teams = try await context.services.engine.access.teams(clinicID: try context.requiredClinic.id)
            return try context.json(ItemList(items: teams.map(TeamDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/teams", operationID: "createTeam", summary: "Create a team (department).",
            tag: "clinics", access: .clinic(.clinicAdmin), requestBody: CreateTeamRequest.self, successStatus: .created, response: TeamDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(CreateTeamRequest.self)
            let key = body.key.trimmingCharacters(in: .whitespaces).lowercased()
            guard Clinic.isValidSlug(key) else { throw Abort(.unprocessableEntity, reason: "key must be lower-case letters, digits and dashes") }
            let members = Set(body.memberIds ?? [])
            let clinicUsers = try await context.services.engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
            if let stranger = members.first(where: { id in !clinicUsers.contains { $0.id == id } }) {
                throw Abort(.unprocessableEntity, reason: "user \(stranger) does not belong to this clinic")
            }
            if try await context.services.engine.access.teams(clinicID: clinic.id).contains(where: { $0.key == key }) {
                throw Abort(.conflict, reason: "a team with the key \(key) already exists")
            }
            let team = try await context.services.engine.access.createTeam(Team(clinicID: clinic.id, key: key, name: try required(body.name, "name"), memberIDs: members))
            return try context.json(TeamDTO(team), status: .created)
        },
    ]

    static func validate(timeZone: String, region: String) throws {
        guard TimeZone(identifier: timeZone) != nil else { throw Abort(.unprocessableEntity, reason: "\(timeZone) is not an IANA time zone (e.g. America/Sao_Paulo)") }
        guard region.count == 2, region.allSatisfy(\.isLetter) else { throw Abort(.unprocessableEntity, reason: "default_region must be a two-letter country code") }
    }
}

/// A trimmed non-empty string, or 422 naming the field.
func required(_ value: String, _ field: String) throws -> String {
    let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw Abort(.unprocessableEntity, reason: "\(field) must not be empty") }
    return trimmed
}

extension TenancyError {
    var isConflict: Bool {
        if case .slugTaken = self { return true }
        return false
    }
}
