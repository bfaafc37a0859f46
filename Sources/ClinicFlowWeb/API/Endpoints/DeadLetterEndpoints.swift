import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Vapor

/// A clinic's dead letters (jobs that used up their attempts) and their replay.
enum DeadLetterEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/dead-letters", operationID: "listDeadLetters",
            summary: "Jobs of this clinic that used up their attempts, newest first, with the last error.", tag: "operations",
            access: .clinic(.clinicAdmin), query: [.limit, .offset], response: ItemList<DeadLetterDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            let office = DeadLetterOffice(queue: context.services.engine.queue, events: context.services.engine.events)
            let jobs = try await office.list(clinicID: try context.requiredClinic.id, limit: limit, offset: offset)
            return try context.json(ItemList(items: jobs.map(DeadLetterDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/dead-letters/{jobID}/replay", operationID: "replayDeadLetter",
            summary: "Put a dead job back in the queue with fresh attempts (recorded as job.replayed). 409 when it is not dead.", tag: "operations",
            access: .clinic(.clinicAdmin), response: DeadLetterDTO.self
        ) { context in
            let id = try context.id("jobID")
            let engine = context.services.engine
            guard let job = try await engine.queue.job(id: id), job.clinicID == (try context.requiredClinic.id) else {
                throw Abort(.notFound, reason: "no dead letter \(id)")
            }
            let office = DeadLetterOffice(queue: engine.queue, events: engine.events)
            switch try await office.replay(jobID: id, by: "user:\(try context.principalUser.id.text(lowercase: true))") {
            case .replayed: break
            case .notFound: throw Abort(.notFound, reason: "no dead letter \(id)")
            case .notDead(let status): throw Abort(.conflict, reason: "job \(id) is \(status.rawValue), not dead")
            }
            return try context.json(DeadLetterDTO(try await engine.queue.job(id: id) ?? job))
        },
    ]
}

struct DeadLetterDTO: APIModel {
    var id: UUID
    var kind: String
    var status: String
    var attempts: Int
    var lastError: String?
    var updatedAt: Date

    init(_ job: JobSnapshot) {
        id = job.id
        kind = job.kind
        status = job.status.rawValue
        attempts = job.attempts
        lastError = job.lastError
        updatedAt = job.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("kind", .string(description: "e.g. message.send")), ("status", .string(enumValues: ["queued", "running", "done", "dead"])),
        ("attempts", .integer(minimum: 0)), ("last_error", .nullable(.string())), ("updated_at", .dateTime),
    ], required: ["id", "kind", "status", "attempts", "updated_at"])
}
