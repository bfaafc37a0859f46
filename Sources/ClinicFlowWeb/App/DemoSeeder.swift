import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import Foundation
import Logging

/// `clinicflow demo`: a clinic a newcomer can click through. An agency, a clinic with three teams and
/// a few consultants, WhatsApp and web-form channels, and leads that arrive through the real webhook
/// path (signed, verified, stored, normalised, taken in), some already moved along the pipeline.
public enum DemoSeeder {
    public static let clinicSlug = "demo"
    public static let password = "demo-password-123"
    public static let metaSecret = "demo-meta-app-secret"
    public static let formKey = "demo-form-key"

    public struct Login: Sendable, Equatable {
        public var email: String
        public var role: Role
    }

    public static let logins: [Login] = [
        .init(email: "admin@demo.clinicflow.test", role: .clinicAdmin),
        .init(email: "ana@demo.clinicflow.test", role: .consultant),
        .init(email: "bruno@demo.clinicflow.test", role: .consultant),
        .init(email: "carla@demo.clinicflow.test", role: .consultant),
        .init(email: "viewer@demo.clinicflow.test", role: .viewer),
    ]

    /// Seeds once; a second run finds the demo clinic and leaves everything as it is.
    /// - Returns: whether anything was seeded.
    @discardableResult
    public static func seed(_ services: ClinicFlowServices, leads: Int = 24, logger: Logger) async throws -> Bool {
        let engine = services.engine
        if try await engine.clinics.find(slug: clinicSlug) != nil { return false }
        let agency = try await engine.access.createAgency(Agency(name: "ClinicFlow Demo", slug: "clinicflow-demo"))
        let clinic = try await engine.clinics.create(Clinic(
            name: "Clínica Sorriso (demo)", slug: clinicSlug, timeZone: "America/Sao_Paulo", defaultRegion: "BR", agencyID: agency.id
        ))
        let hash = try services.passwordHasher.hash(password)
        let names = ["Admin Demo", "Ana Lima", "Bruno Costa", "Carla Mendes", "Visitante"]
        var users: [User] = []
        for (login, name) in zip(logins, names) {
            users.append(try await engine.access.createUser(
                User(email: login.email, name: name, role: login.role, agencyID: agency.id, clinicIDs: [clinic.id]), passwordHash: hash
            ))
        }
        let consultants = users.filter { $0.role == .consultant }.map(\.id)
        for (key, name, members) in [("implantes", "Implantes", [consultants[0], consultants[1]]), ("ortodontia", "Ortodontia", [consultants[2]]), ("estetica", "Estética", [consultants[0]])] {
            _ = try await engine.access.createTeam(Team(clinicID: clinic.id, key: key, name: name, memberIDs: Set(members)))
        }
        let whatsapp = try await engine.channels.create(
            ClinicChannel(
                id: .timeOrdered(), clinicID: clinic.id, provider: .meta, name: "WhatsApp", businessNumber: "+5511940028922", businessAccountID: "106540352242922",
                department: "implantes", settings: ChannelSettings(sandbox: true)  // replies are recorded, nothing is sent
            ),
            credentials: ChannelCredentials(["app_secret": metaSecret, "verify_token": "demo-verify-token"])
        )
        let form = try await engine.channels.create(
            ClinicChannel(id: .timeOrdered(), clinicID: clinic.id, provider: .webform, name: "Site: formulário", department: "estetica"),
            credentials: ChannelCredentials(["api_key": formKey])
        )

        try await seedAssistant(engine, clinic: clinic)

        // Leads arrive the way real ones do: signed webhooks through the gateway.
        let now = Date()
        for index in 0..<leads {
            let useForm = index % 4 == 3
            let channel = useForm ? form : whatsapp
            let signed = try SignedWebhook.simulated(useForm ? .webform : .meta, index: index, secret: useForm ? formKey : metaSecret, now: now.addingTimeInterval(Double(index - leads) * 900), seed: 2026)
            let request = WebhookRequest(
                url: "http://localhost/hooks/\(channel.provider.rawValue)/\(channel.id)", headers: HeaderFields(signed.headers), body: signed.body,
                receivedAt: now.addingTimeInterval(Double(index - leads) * 900)
            )
            _ = try await services.gateway.receive(provider: channel.provider.rawValue, channelID: channel.id.uuidString, request: request, correlationID: "demo-\(index)")
        }
        await services.worker.drain()

        // Move some along the pipeline, as a week of work would have.
        let progress = ["CONTACTED", "CONTACTED", "QUALIFIED", "QUALIFIED", "MEETING_SCHEDULED", "PROPOSAL", "WON", "LOST"]
        let open = try await engine.leads.list(clinicID: clinic.id, .init(limit: 200)).items
        for (index, lead) in open.enumerated() where index % 2 == 0 {
            var moved = lead
            moved.stage = progress[(index / 2) % progress.count]
            let outcome = Pipeline.standard.stage(moved.stage)!.outcome
            moved.status = LeadStatus(outcome)
            moved.ownerID = consultants[index % consultants.count]
            moved.firstResponseAt = (lead.firstInboundAt ?? now).addingTimeInterval(Double(60 + index * 45))
            moved.stageEnteredAt = now
            moved.closedAt = outcome == .open ? nil : now
            try await engine.leads.save(moved)
            try await engine.events.append(try EventDraft(
                clinicID: clinic.id, stream: Contact.stream(lead.contactID), type: "lead.stage_changed",
                encoding: CRMEvents.LeadStageChanged(leadID: lead.id, from: lead.stage, to: moved.stage, status: moved.status, by: moved.ownerID, reason: "demo")
            ))
        }
        logger.notice("seeded the demo clinic", metadata: ["leads": "\(leads)", "clinic": "\(clinic.slug)"])
        return true
    }

    /// The assistant on (templates), a price list, two dentists and a small knowledge base.
    static func seedAssistant(_ engine: EngineComponents, clinic: Clinic) async throws {
        try await engine.scoring.saveAssistantSettings(AssistantSettings(
            enabled: true,
            priceList: [
                PriceItem(procedure: "implant", name: "Implante dentário", priceCents: 350_000, currency: "BRL", maxInstallments: 12),
                PriceItem(procedure: "whitening", name: "Clareamento a laser", priceCents: 90_000, currency: "BRL", maxInstallments: 6),
                PriceItem(procedure: "orthodontics", name: "Aparelho ortodôntico", priceCents: 480_000, currency: "BRL", maxInstallments: 24),
            ],
            templates: ["pt": WhatsAppTemplate(name: "retomar_conversa", languageCode: "pt_BR", parameters: ["{name}"])]
        ), clinicID: clinic.id)
        try await engine.scoring.saveSchedulingSettings(SchedulingSettings(
            appointmentTypes: [
                AppointmentType(key: "avaliacao", name: "Avaliação", minutes: 30), AppointmentType(key: "limpeza", name: "Limpeza", minutes: 45, procedure: "cleaning"),
            ],
            recallMonths: ["cleaning": 6, "whitening": 12],
            templates: [
                "reminder": ["pt": WhatsAppTemplate(name: "lembrete_consulta", languageCode: "pt_BR", parameters: ["{name}", "{time}", "{practitioner}"])],
                "recall": ["pt": WhatsAppTemplate(name: "retorno", languageCode: "pt_BR", parameters: ["{name}", "{clinic}"])],
                "missed_call": ["pt": WhatsAppTemplate(name: "chamada_perdida", languageCode: "pt_BR", parameters: ["{clinic}"])],
            ]
        ), clinicID: clinic.id)
        let weekdays = try WorkingHours(["mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-17:00"]])
        _ = try await engine.scheduling.create(Practitioner(
            id: .timeOrdered(), clinicID: clinic.id, name: "Dra. Helena Prado", availability: weekdays, email: "helena@sorriso.example",
            exceptions: [AvailabilityException(date: "2026-12-25"), AvailabilityException(date: "2027-01-01")]
        ))
        _ = try await engine.scheduling.create(Practitioner(
            id: .timeOrdered(), clinicID: clinic.id, name: "Dr. Rafael Nunes", availability: try WorkingHours(["tue": ["13:00-19:00"], "sat": ["08:00-12:00"]]),
            procedures: ["orthodontics"]
        ))
        for (kind, title, body) in [
            ("address", "Endereço e estacionamento", "Av. Paulista, 1000, 5º andar, São Paulo. Estacionamento conveniado no subsolo; metrô Trianon-Masp a 200 m."),
            ("faq", "Horário de atendimento", "Segunda a sexta, das 9h às 18h; sábados das 8h às 12h para ortodontia."),
            ("preparation", "Antes do clareamento", "Evite café, chá preto e vinho nas 48 horas antes e depois da sessão."),
            ("policy", "Formas de pagamento", "Pix, cartão de crédito em até 12x sem juros e débito. A avaliação inicial é gratuita."),
        ] {
            _ = try await engine.knowledge.create(.init(clinicID: clinic.id, kind: kind, title: title, body: body))
        }
    }
}
