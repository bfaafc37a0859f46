import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import JWT
import Vapor

/// The web console: sign-in, the live Kanban, conversations. Pages are rendered on the server; the
/// small script in `ConsoleAssets` drags cards, sends replies and listens to the live feed, calling
/// the same API operations as everyone else (under `/console/api/v1`, signed in by cookie).
struct ConsoleRoutes: RouteCollection {
    let services: ClinicFlowServices
    let feeds: ConsoleFeeds

    func boot(routes: any RoutesBuilder) throws {
        routes.get("login") { request in try await signInPage(request, error: nil, email: "") }
        routes.post("login") { request in try await signIn(request) }
        routes.post("logout") { request in try await signOut(request) }
        routes.get { request in try await home(request) }
        routes.get("switch") { request -> Response in
            let clinic = (try? request.query.get(String.self, at: "clinic")).flatMap(UUID.init(uuidString:))
            return request.redirect(to: clinic.map { "/clinics/\($0.lowercased)/pipeline" } ?? "/", redirectType: .normal)
        }
        routes.get("clinics", ":clinicID", "pipeline") { request in try await pipeline(request, fragment: false) }
        routes.get("clinics", ":clinicID", "pipeline", "board") { request in try await pipeline(request, fragment: true) }
        routes.get("clinics", ":clinicID", "conversations") { request in try await conversations(request) }
        routes.get("clinics", ":clinicID", "conversations", ":conversationID") { request in try await conversation(request, fragment: false) }
        routes.get("clinics", ":clinicID", "conversations", ":conversationID", "transcript") { request in try await conversation(request, fragment: true) }
        routes.get("clinics", ":clinicID", "contacts", ":contactID") { request in try await contact(request) }
        routes.get("clinics", ":clinicID", "dashboard") { request in try await dashboard(request) }
        routes.get("clinics", ":clinicID", "dead-letters") { request in try await deadLetters(request) }
        routes.get("clinics", ":clinicID", "settings") { request in try await settings(request) }
        routes.get("clinics", ":clinicID", "events") { request in try await ConsoleFeed(services: services, feeds: feeds).stream(request, clinic: try await page(request).clinic!) }
        routes.get("console", "assets", ":file") { request in try ConsoleAssets.response(request.parameters.get("file") ?? "") }
    }

    // MARK: Signing in

    /// Before sign-in there is no session to bind a CSRF token to: a random one goes in a cookie and
    /// in the form, and must come back in both (double submit).
    private func signInPage(_ request: Request, error: String?, email: String, status: HTTPStatus = .ok) async throws -> Response {
        let token = [UInt8].random(count: 16).map { String(format: "%02x", $0) }.joined()
        let next = Self.safeNext(try? request.query.get(String.self, at: "next")) ?? Self.safeNext(try? request.content.get(String.self, at: "next")) ?? "/"
        let response = Self.html(ConsoleLayout.signIn(error: error, email: email, csrf: token, next: next), status: status)
        response.cookies["clinicflow_login_csrf"] = HTTPCookies.Value(string: token, maxAge: 3600, path: "/login", isSecure: Self.secure(request), isHTTPOnly: true, sameSite: .strict)
        return response
    }

    private func signIn(_ request: Request) async throws -> Response {
        struct Form: Content {
            var email: String?
            var password: String?
            var _csrf: String?
            var next: String?
        }
        let form = (try? request.content.decode(Form.self)) ?? Form()
        guard let cookie = request.cookies["clinicflow_login_csrf"]?.string, let presented = form._csrf, cookie == presented else {
            return try await signInPage(request, error: "The sign-in form expired; please try again.", email: form.email ?? "", status: .forbidden)
        }
        let engine = services.engine
        guard let email = form.email, let password = form.password, let (user, hash) = try await engine.access.credentials(email: email),
            try await NIOThreadPool.singleton.runIfActive({ [hasher = services.passwordHasher] in hasher.verify(password, against: hash) })
        else {
            return try await signInPage(request, error: "The email or the password is wrong.", email: form.email ?? "", status: .unauthorized)
        }
        guard user.active else { return try await signInPage(request, error: "This account is disabled; ask an administrator.", email: email, status: .forbidden) }
        let token = try await request.application.jwt.keys.sign(AuthToken(userID: user.id))
        try await engine.access.recordLogin(userID: user.id)
        let response = request.redirect(to: Self.safeNext(form.next) ?? "/", redirectType: .normal)
        response.cookies[ConsoleSession.cookieName] = ConsoleSession.cookie(token, secure: Self.secure(request))
        response.cookies["clinicflow_login_csrf"] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/login")
        return response
    }

    private func signOut(_ request: Request) async throws -> Response {
        struct Form: Content { var _csrf: String? }
        let presented = (try? request.content.decode(Form.self))?._csrf ?? request.headers.first(name: ConsoleSession.csrfHeader) ?? ""
        guard ConsoleSession.validCSRF(presented, request: request, services: services) else {
            throw Abort(.forbidden, reason: "missing or wrong CSRF token; reload the page")
        }
        let response = request.redirect(to: "/login", redirectType: .normal)
        response.cookies[ConsoleSession.cookieName] = ConsoleSession.expired
        return response
    }

    // MARK: Pages

    struct Page {
        var user: User
        var clinic: Clinic?
        var clinics: [Clinic]
        var csrf: String

        func layout(_ title: String, section: String) -> ConsoleLayout {
            ConsoleLayout(title: title, user: user, clinic: clinic, clinics: clinics, csrf: csrf, section: section)
        }
    }

    /// The signed-in user and the path's clinic (404 for clinics they cannot see); a redirect to
    /// sign-in when there is no session.
    private func page(_ request: Request) async throws -> Page {
        guard let user = try await ConsoleSession.user(request, services: services), let csrf = ConsoleSession.csrfToken(request, services: services) else {
            let next = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
            throw Abort.redirect(to: "/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "/")", redirectType: .normal)
        }
        let clinics = try await services.engine.clinics.visible(to: user.principal)
        var clinic: Clinic?
        if let text = request.parameters.get("clinicID") {
            guard let id = UUID(uuidString: text), let found = clinics.first(where: { $0.id == id }) else {
                throw Abort(.notFound, reason: "no clinic \(text)")
            }
            clinic = found
        }
        return Page(user: user, clinic: clinic, clinics: clinics, csrf: csrf)
    }

    private func home(_ request: Request) async throws -> Response {
        let page = try await page(request)
        guard let first = page.clinics.first else {
            return Self.html(page.layout("No clinic", section: "").page("<h1>No clinic yet</h1><p>Your account has no clinic. Ask an administrator to add you to one.</p>"))
        }
        return request.redirect(to: "/clinics/\(first.id.lowercased)/pipeline", redirectType: .normal)
    }

    private func pipeline(_ request: Request, fragment: Bool) async throws -> Response {
        let page = try await page(request)
        let clinic = page.clinic!
        let engine = services.engine
        let stages = try await engine.pipelines.pipeline(clinicID: clinic.id).stages
        let columns = try await engine.leads.board(clinicID: clinic.id, stages: stages.map(\.key), perColumn: PipelineBoard.perColumn)
        let contacts = columns.values.flatMap { $0.leads.map(\.contactID) }
        let users = try await engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
        let board = PipelineBoard(
            clinic: clinic, stages: stages, columns: columns, names: try await engine.contacts.labels(ids: contacts, clinicID: clinic.id),
            owners: Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0.name) }),
            conversations: try await engine.conversations.latestConversationIDs(clinicID: clinic.id, contactIDs: contacts),
            canMove: page.user.role >= .consultant, now: Date()
        )
        if fragment { return Self.html(board.html) }
        return Self.html(page.layout("Pipeline", section: "pipeline").page("""
            <h1 class="visually-hidden">Pipeline</h1>
            <p class="live" id="live" role="status" aria-live="polite">Live</p>
            \(board.html)
            """))
    }

    private func conversations(_ request: Request) async throws -> Response {
        let page = try await page(request)
        let clinic = page.clinic!
        let items = try await services.engine.conversations.list(clinicID: clinic.id, limit: 200).items
        let names = try await services.engine.contacts.labels(ids: items.map(\.contactID), clinicID: clinic.id)
        let list = ConversationList(clinic: clinic, items: items.map { ($0, names[$0.contactID] ?? "Unknown") })
        return Self.html(page.layout("Conversations", section: "conversations").page(list.html))
    }

    private func conversation(_ request: Request, fragment: Bool) async throws -> Response {
        let page = try await page(request)
        let clinic = page.clinic!
        guard let id = request.parameters.get("conversationID").flatMap(UUID.init(uuidString:)),
            let conversation = try await services.engine.conversations.find(id: id, clinicID: clinic.id)
        else { throw Abort(.notFound, reason: "no conversation \(request.parameters.get("conversationID") ?? "")") }
        let messages = try await services.engine.conversations.messages(conversationID: id, clinicID: clinic.id, limit: 200)
        let name = try await services.engine.contacts.labels(ids: [conversation.contactID], clinicID: clinic.id)[conversation.contactID] ?? "Unknown"
        let view = ConversationView(
            clinic: clinic, conversation: conversation, contactName: name, messages: messages, canReply: page.user.role >= .consultant,
            timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt
        )
        if fragment { return Self.html(view.transcript) }
        return Self.html(page.layout(name, section: "conversations").page(view.html))
    }

    private func contact(_ request: Request) async throws -> Response {
        let page = try await page(request)
        let clinic = page.clinic!
        let engine = services.engine
        guard let id = request.parameters.get("contactID").flatMap(UUID.init(uuidString:)), let contact = try await engine.contacts.find(id: id, clinicID: clinic.id) else {
            throw Abort(.notFound, reason: "no contact \(request.parameters.get("contactID") ?? "")")
        }
        var leads: [(Lead, [(score: LeadScore, at: Date)])] = []
        for lead in try await engine.leads.leads(contactID: contact.id, clinicID: clinic.id) {
            leads.append((lead, try await engine.scoring.history(leadID: lead.id, clinicID: clinic.id, limit: 10)))
        }
        let view = ContactView(
            clinic: clinic, contact: contact, optedOut: try await engine.consent.isOptedOut(contactID: contact.id), leads: leads,
            consent: try await engine.consent.ledger(contactID: contact.id, clinicID: clinic.id),
            appointments: try await engine.scheduling.appointments(clinicID: clinic.id, contactID: contact.id),
            practitioners: Dictionary(uniqueKeysWithValues: try await engine.scheduling.practitioners(clinicID: clinic.id).map { ($0.id, $0.name) }),
            timeline: Array(try await engine.events.events(inStream: Contact.stream(contact.id)).suffix(100).reversed()),
            canMerge: page.user.role >= .consultant, timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt,
            freeSlots: page.user.role >= .consultant ? try await freeSlots(clinic) : []
        )
        return Self.html(page.layout(contact.name ?? "Contact", section: "").page(view.html))
    }

    /// A domain document as it is stored (its own keys), for editing in place.
    static func prettyJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func freeSlots(_ clinic: Clinic) async throws -> [Slot] {
        let engine = services.engine
        let minutes = try await engine.scoring.assistantSettings(clinicID: clinic.id).appointmentMinutes
        let now = Date()
        return SlotFinder(duration: TimeInterval(minutes * 60)).free(
            practitioners: try await engine.scheduling.practitioners(clinicID: clinic.id), booked: try await engine.scheduling.bookedSlots(clinicID: clinic.id, after: now),
            after: now, timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt, limit: 6
        )
    }

    private func dashboard(_ request: Request) async throws -> Response {
        let page = try await page(request)
        let clinic = page.clinic!
        let engine = services.engine
        let leads = try await engine.leads.items(clinicID: clinic.id, .init(limit: DashboardView.window))
        let users = try await engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
        let (answered, handedOver) = try await engine.conversations.assistantOutcomes(clinicID: clinic.id)
        let view = DashboardView(
            stages: try await engine.pipelines.pipeline(clinicID: clinic.id).stages, leads: leads,
            owners: Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0.name) }), assistantConversations: answered, handedOver: handedOver
        )
        return Self.html(page.layout("Dashboard", section: "dashboard").page(view.html))
    }

    private func settings(_ request: Request) async throws -> Response {
        let page = try await page(request)
        guard page.user.role >= .clinicAdmin else { throw Abort(.forbidden, reason: "settings are for clinic admins") }
        let clinic = page.clinic!
        let engine = services.engine
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let assistant = String(decoding: try encoder.encode(AssistantSettingsDTO(try await engine.scoring.assistantSettings(clinicID: clinic.id))), as: UTF8.self)
        let base = ChannelEndpoints.webhookBase(request, services: services)
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let pipeline = try await engine.pipelines.pipeline(clinicID: clinic.id)
        let (scoring, keySet) = try await engine.scoring.settings(clinicID: clinic.id)
        let teams = try await engine.access.teams(clinicID: clinic.id)
        let consultants = try await engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID).filter { $0.role == .consultant }
        let view = SettingsView(
            clinic: clinic, channels: try await engine.channels.list(clinicID: clinic.id), webhookBase: base,
            articles: try await engine.knowledge.list(clinicID: clinic.id, limit: 200).items, assistantJSON: assistant,
            schedulingJSON: try Self.prettyJSON(try await engine.scoring.schedulingSettings(clinicID: clinic.id)),
            stagesJSON: try json(StageList(stages: pipeline.stages.map { StageDTO(key: $0.key, name: $0.name, outcome: $0.outcome) })),
            scoringJSON: try json(ScoringSettingsDTO(scoring, keySet: keySet != nil)),
            consultants: try consultants.map { user in
                (user, try json(ConsultantSettingsRequest(
                    maxOpenLeads: user.maxOpenLeads, workingHours: user.workingHours?.schedule,
                    teamKeys: teams.filter { $0.memberIDs.contains(user.id) }.map(\.key)
                )))
            }
        )
        return Self.html(page.layout("Settings", section: "settings").page(view.html))
    }

    private func deadLetters(_ request: Request) async throws -> Response {
        let page = try await page(request)
        guard page.user.role >= .clinicAdmin else { throw Abort(.forbidden, reason: "dead letters are for clinic admins") }
        let clinic = page.clinic!
        let jobs = try await DeadLetterOffice(queue: services.engine.queue, events: services.engine.events).list(clinicID: clinic.id, limit: 200)
        let rows: [HTML] = jobs.map { job in
            """
            <tr><td>\(job.kind)</td><td>\(job.attempts)</td><td>\(job.lastError ?? "–")</td><td>\(job.updatedAt.formatted(.iso8601))</td>
            <td><button type="button" class="secondary" data-post="/console/api/v1/clinics/\(clinic.id.lowercased)/dead-letters/\(job.id.lowercased)/replay">Replay</button></td></tr>
            """
        }
        return Self.html(page.layout("Dead letters", section: "dead-letters").page("""
            <h1>Dead letters</h1>
            <p>Jobs that used up their attempts. Fix the cause (a channel's credentials, a provider outage), then replay.</p>
            <table><thead><tr><th>Job</th><th>Attempts</th><th>Last error</th><th>When (UTC)</th><th></th></tr></thead>
            <tbody>\(rows.isEmpty ? ["<tr><td colspan=\"5\">Nothing here: every job finished.</td></tr>"] : rows)</tbody></table>
            """))
    }

    // MARK: Helpers

    static func html(_ html: HTML, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.add(name: .cacheControl, value: "no-store")
        headers.add(name: "Content-Security-Policy", value: "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        // nosniff, framing and referrer headers come from SecurityHeadersMiddleware, as on every answer.
        return Response(status: status, headers: headers, body: .init(string: html.rendered))
    }

    /// Only paths on this site: never an open redirect to another one.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }

    static func secure(_ request: Request) -> Bool {
        request.url.scheme == "https" || request.headers.first(name: "X-Forwarded-Proto") == "https"
    }
}
