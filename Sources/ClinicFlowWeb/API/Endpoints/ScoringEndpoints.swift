import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Vapor

enum ScoringEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/leads/{leadID}/scores", operationID: "leadScores",
            summary: "A lead's score history, newest first, with the reasons and which scorer answered.", tag: "leads",
            access: .clinic(.viewer), response: ItemList<ScoreDTO>.self
        ) { context in
            let lead = try await LeadEndpoints.lead(context)
            let history = try await context.services.engine.scoring.history(leadID: lead.id, clinicID: lead.clinicID)
            return try context.json(ItemList(items: history.map { ScoreDTO($0.score, at: $0.at) }))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/tasks", operationID: "listTasks", summary: "Open tasks (urgent triage, HOT leads to call), newest first.",
            tag: "tasks", access: .clinic(.viewer), query: [.limit, .offset, Parameter(name: "status", schema: .string(enumValues: ["open", "done", "all"]), description: "Default open.")],
            response: ItemList<TaskDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            let status = context.stringQuery("status") ?? "open"
            guard ["open", "done", "all"].contains(status) else { throw Abort(.badRequest, reason: "status must be open, done or all") }
            let tasks = try await context.services.engine.scoring.tasks(clinicID: try context.requiredClinic.id, status: status == "all" ? nil : status, limit: limit, offset: offset)
            return try context.json(ItemList(items: tasks.map(TaskDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/tasks/{taskID}/done", operationID: "completeTask", summary: "Mark a task done.",
            tag: "tasks", access: .clinic(.consultant)
        ) { context in
            let id = try context.id("taskID")
            guard try await context.services.engine.scoring.completeTask(id, clinicID: try context.requiredClinic.id) else {
                throw Abort(.notFound, reason: "no task \(id)")
            }
            return Response(status: .noContent)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/notifications", operationID: "listNotifications",
            summary: "Your notifications in this clinic and the clinic-wide ones, newest first.", tag: "tasks", access: .clinic(.viewer),
            response: ItemList<NotificationDTO>.self
        ) { context in
            let items = try await context.services.engine.scoring.notifications(clinicID: try context.requiredClinic.id, userID: try context.principalUser.id)
            return try context.json(ItemList(items: items.map(NotificationDTO.init)))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/settings/scoring", operationID: "getScoringSettings",
            summary: "The clinic's scoring words, routing rules and LLM choice (the API key is never shown).", tag: "settings",
            access: .clinic(.clinicAdmin), response: ScoringSettingsDTO.self
        ) { context in
            let (settings, key) = try await context.services.engine.scoring.settings(clinicID: try context.requiredClinic.id)
            return try context.json(ScoringSettingsDTO(settings, keySet: key != nil))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/settings/scoring", operationID: "putScoringSettings",
            summary: "Replace the clinic's scoring words, routing rules and LLM choice. Turning the LLM on sends patients' messages (names, phones and emails masked) to that endpoint.",
            tag: "settings", access: .clinic(.clinicAdmin), requestBody: ScoringSettingsDTO.self, response: ScoringSettingsDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(ScoringSettingsDTO.self)
            if body.llmEnabled {
                guard let base = body.llmBaseUrl, let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw Abort(.unprocessableEntity, reason: "llm_base_url must be an http(s) URL such as https://api.openai.com/v1")
                }
                guard body.llmModel?.nilIfBlank != nil else { throw Abort(.unprocessableEntity, reason: "llm_model is required when the LLM is enabled") }
            }
            guard (1...60).contains(body.llmTimeoutSeconds) else { throw Abort(.unprocessableEntity, reason: "llm_timeout_seconds must be from 1 to 60") }
            if let bad = body.procedures.first(where: { $0.key.nilIfBlank == nil || $0.phrases.isEmpty }) {
                throw Abort(.unprocessableEntity, reason: "procedure \(bad.key) needs a key and at least one phrase")
            }
            let scoring = context.services.engine.scoring
            try await scoring.save(body.settings, llmAPIKey: body.llmApiKey, clinicID: clinic.id)
            let (saved, key) = try await scoring.settings(clinicID: clinic.id)
            return try context.json(ScoringSettingsDTO(saved, keySet: key != nil))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/users/{userID}/assignment", operationID: "setConsultantAssignment",
            summary: "A consultant's cap of open leads, working hours (clinic time zone) and teams, for round-robin assignment.",
            tag: "users", access: .clinic(.clinicAdmin), requestBody: ConsultantSettingsRequest.self, response: UserDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let engine = context.services.engine
            guard var user = try await engine.access.user(id: try context.id("userID")), user.clinicIDs.contains(clinic.id) else {
                throw Abort(.notFound, reason: "no user \(context.request.parameters.get("userID") ?? "") in this clinic")
            }
            let body = try context.decode(ConsultantSettingsRequest.self)
            if let cap = body.maxOpenLeads { user.maxOpenLeads = cap }
            if let hours = body.workingHours {
                do { user.workingHours = try WorkingHours(hours) } catch { throw Abort(.unprocessableEntity, reason: "working_hours: \(String(describing: error))") }
            }
            try await engine.access.update(user)
            if let keys = body.teamKeys {
                let teams = try await engine.access.teams(clinicID: clinic.id)
                if let unknown = keys.first(where: { key in !teams.contains { $0.key == key } }) {
                    throw Abort(.unprocessableEntity, reason: "no team \(unknown) in this clinic")
                }
                try await engine.access.setTeams(userID: user.id, teamIDs: teams.filter { keys.contains($0.key) }.map(\.id), clinicID: clinic.id)
            }
            return try context.json(UserDTO(user))
        },
    ]
}
