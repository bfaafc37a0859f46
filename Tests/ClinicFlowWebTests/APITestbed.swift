import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import JWT
import NIOCore
import Testing
import Vapor
import VaporTesting

/// Two agencies with clinics, users of every role, and one of everything in clinic A1, on a real database.
struct APITestbed {
    let app: Application
    let services: ClinicFlowServices
    let agencyA: Agency
    let clinicA1: Clinic
    let clinicA2: Clinic
    let clinicB1: Clinic
    var users: [String: User] = [:]
    var ids: [String: UUID] = [:]

    static let password = "correct horse battery"

    init(app: Application, services: ClinicFlowServices) async throws {
        self.app = app
        self.services = services
        let engine = services.engine
        agencyA = try await engine.access.createAgency(Agency(name: "Agência Sorriso", slug: "sorriso-\(UUID().uuidString.prefix(6).lowercased())"))
        let agencyB = try await engine.access.createAgency(Agency(name: "Other", slug: "other-\(UUID().uuidString.prefix(6).lowercased())"))
        func clinic(_ name: String, _ agency: Agency) async throws -> Clinic {
            try await engine.clinics.create(Clinic(name: name, slug: "\(name.lowercased())-\(UUID().uuidString.prefix(6).lowercased())", timeZone: "America/Sao_Paulo", defaultRegion: "BR", agencyID: agency.id))
        }
        clinicA1 = try await clinic("A1", agencyA)
        clinicA2 = try await clinic("A2", agencyA)
        clinicB1 = try await clinic("B1", agencyB)
        let hash = try PasswordHasher(cost: 4).hash(Self.password)
        let specs: [(String, Role, Agency?, Clinic?)] = [
            ("platform", .platformAdmin, nil, nil), ("agencyA", .agencyAdmin, agencyA, nil), ("adminA1", .clinicAdmin, agencyA, clinicA1),
            ("consultantA1", .consultant, agencyA, clinicA1), ("viewerA1", .viewer, agencyA, clinicA1), ("adminB1", .clinicAdmin, agencyB, clinicB1),
            ("consultantB1", .consultant, agencyB, clinicB1), ("consultantA2", .consultant, agencyA, clinicA2),
        ]
        for (key, role, agency, clinic) in specs {
            users[key] = try await engine.access.createUser(
                User(email: "\(key.lowercased())@example.com", name: key, role: role, agencyID: agency?.id, clinicIDs: clinic.map { [$0.id] } ?? []),
                passwordHash: hash
            )
        }
        // One of everything in A1 (and a contact in B1), through the real repositories.
        let contact = try await engine.contacts.create(Contact(clinicID: clinicA1.id, name: "Maria", phone: "+5511987654321", identities: [.init(kind: .phone, value: "+5511987654321")]))
        let other = try await engine.contacts.create(Contact(clinicID: clinicA1.id, name: "Maria S.", email: "maria@example.com", identities: [.init(kind: .email, value: "maria@example.com")]))
        let lead = try await engine.leads.create(Lead(clinicID: clinicA1.id, contactID: contact.id, stage: "NEW", source: "meta"))
        let channel = try await engine.channels.create(ClinicChannel(clinicID: clinicA1.id, provider: .meta, name: "WhatsApp"), credentials: ChannelCredentials(["app_secret": "s"]))
        let conversation = try await engine.conversations.conversation(clinicID: clinicA1.id, contactID: contact.id, channelID: channel.id, externalID: nil)
        let contactB = try await engine.contacts.create(Contact(clinicID: clinicB1.id, name: "Bob"))
        let article = try await engine.knowledge.create(.init(clinicID: clinicA1.id, kind: "address", title: "Endereço", body: "Rua das Flores, 100"))
        let practitioner = try await engine.scheduling.create(Practitioner(id: .timeOrdered(), clinicID: clinicA1.id, name: "Dr. Bruno", availability: .always))
        let start = Date().addingTimeInterval(7 * 86_400)
        let appointment = try #require(try await engine.scheduling.book(
            Slot(practitionerID: practitioner.id, startsAt: start, endsAt: start.addingTimeInterval(1800)), clinicID: clinicA1.id, contactID: contact.id, leadID: lead.id, source: "api"
        ))
        ids = [
            "clinicID": clinicA1.id, "contactID": contact.id, "otherContactID": other.id, "leadID": lead.id, "channelID": channel.id,
            "conversationID": conversation.id, "userID": users["consultantA1"]!.id, "contactB": contactB.id,
            "taskID": try await Self.task(engine, clinic: clinicA1.id, lead: lead.id), "articleID": article.id,
            "jobID": try await Self.deadJob(engine, clinic: clinicA1.id), "practitionerID": practitioner.id, "appointmentID": appointment.id,
        ]
    }

    static func task(_ engine: EngineComponents, clinic: UUID, lead: UUID) async throws -> UUID {
        let task = ScoringRepository.Task(clinicID: clinic, leadID: lead, assigneeID: nil, kind: "call_hot_lead", priority: "high", title: "Call")
        try await engine.scoring.createTask(task, key: "test:\(task.id)")
        return task.id
    }

    /// A job of the clinic that used up its attempts.
    static func deadJob(_ engine: EngineComponents, clinic: UUID) async throws -> UUID {
        try await engine.queue.enqueue(JobRequest(kind: "test.failing", queue: "testbed-dead", maxAttempts: 1, clinicID: clinic))
        let leased = try #require(try await engine.queue.lease(limit: 1, for: 30, workerID: "testbed", queues: ["testbed-dead"]).first)
        try await engine.queue.deadLetter(leased, error: "the provider answered HTTP 503")
        return leased.id
    }

    func token(_ user: String) async throws -> String {
        try await app.jwt.keys.sign(AuthToken(userID: users[user]!.id))
    }

    func send(_ method: HTTPMethod, _ path: String, as user: String?, json: String? = nil) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let user { headers.bearerAuthorization = BearerAuthorization(token: try await token(user)) }
        if json != nil { headers.contentType = .json }
        return try await app.testing().sendRequest(method, "/api/v1" + path, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// The endpoint's path with ids of clinic A1's objects (or `clinic` instead of A1).
    func path(_ endpoint: APIEndpoint, clinic: UUID? = nil) -> String {
        var path = endpoint.path
        for name in endpoint.pathParameters {
            let value = name == "clinicID" ? (clinic ?? clinicA1.id) : ids[name]!
            path = path.replacingOccurrences(of: "{\(name)}", with: value.uuidString.lowercased())
        }
        return path
    }
}

func withAPI(_ database: TestDatabase, _ body: (APITestbed) async throws -> Void) async throws {
    try await withApp(database, environment: ["CLINICFLOW_BCRYPT_COST": "4"]) { app, services in
        try await body(try await APITestbed(app: app, services: services))
    }
}
