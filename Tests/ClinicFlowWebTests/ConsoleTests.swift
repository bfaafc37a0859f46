import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

/// The console over HTTP: sign-in with CSRF, role- and tenant-checked pages, the Kanban, changes
/// through the console API with the session cookie and CSRF token, and the live feed.
@Suite struct ConsoleTests {
    struct Session {
        var cookie: String
        var csrf: String
        var headers: HTTPHeaders {
            var headers = HTTPHeaders()
            headers.add(name: .cookie, value: "\(ConsoleSession.cookieName)=\(cookie)")
            return headers
        }
    }

    func signIn(_ bed: APITestbed, _ user: String) async throws -> Session {
        let tester = try bed.app.testing()
        let form = try await tester.sendRequest(.GET, "/login")
        let loginCSRF = try #require(form.headers.setCookie?["clinicflow_login_csrf"]?.string)
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        headers.add(name: .cookie, value: "clinicflow_login_csrf=\(loginCSRF)")
        let body = "email=\(user.lowercased())%40example.com&password=correct+horse+battery&_csrf=\(loginCSRF)&next=%2F"
        let response = try await tester.sendRequest(.POST, "/login", headers: headers, body: ByteBuffer(string: body))
        #expect(response.status == .seeOther)
        let cookie = try #require(response.headers.setCookie?[ConsoleSession.cookieName])
        #expect(cookie.isHTTPOnly && cookie.sameSite == .strict)
        return Session(cookie: cookie.string, csrf: ConsoleSession.csrfToken(forSession: cookie.string, services: bed.services))
    }

    @Test func signingInNeedsTheFormTokenAndTheRightPassword() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            let anonymous = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers.first(name: .location) == "/login?next=/clinics/\(bed.clinicA1.id.lowercased)/pipeline")

            let page = try await tester.sendRequest(.GET, "/login")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("name=\"_csrf\""))
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            let forged = try await tester.sendRequest(.POST, "/login", headers: headers, body: ByteBuffer(string: "email=admina1%40example.com&password=correct+horse+battery&_csrf=x"))
            #expect(forged.status == .forbidden)
            #expect(forged.headers.setCookie?[ConsoleSession.cookieName] == nil)

            let token = try #require(page.headers.setCookie?["clinicflow_login_csrf"]?.string)
            headers.add(name: .cookie, value: "clinicflow_login_csrf=\(token)")
            let wrong = try await tester.sendRequest(.POST, "/login", headers: headers, body: ByteBuffer(string: "email=admina1%40example.com&password=nope&_csrf=\(token)"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains("The email or the password is wrong."))
            #expect(wrong.body.string.contains("value=\"admina1@example.com\""))

            let session = try await signIn(bed, "adminA1")
            let home = try await tester.sendRequest(.GET, "/", headers: session.headers)
            #expect(home.headers.first(name: .location) == "/clinics/\(bed.clinicA1.id.lowercased)/pipeline")

            var logout = session.headers
            logout.contentType = .urlEncodedForm
            #expect(try await tester.sendRequest(.POST, "/logout", headers: logout, body: ByteBuffer(string: "_csrf=wrong")).status == .forbidden)
            let out = try await tester.sendRequest(.POST, "/logout", headers: logout, body: ByteBuffer(string: "_csrf=\(session.csrf)"))
            #expect(out.status == .seeOther)
            #expect(out.headers.setCookie?[ConsoleSession.cookieName]?.string == "")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theBoardShowsLeadsEscapedAndOnlyToTheirClinic(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let engine = bed.services.engine
            let contact = try await engine.contacts.create(Contact(clinicID: bed.clinicA1.id, name: "<script>alert(1)</script>", identities: []))
            _ = try await engine.leads.create(Lead(clinicID: bed.clinicA1.id, contactID: contact.id, stage: "QUALIFIED", source: "webform"))
            let tester = try bed.app.testing()
            let session = try await signIn(bed, "consultantA1")
            let page = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline", headers: session.headers)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("<meta name=\"csrf-token\" content=\"\(session.csrf)\">"))
            #expect(html.contains("data-stage=\"NEW\""))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!html.contains("<script>alert(1)"))
            #expect(html.contains("draggable=\"true\""))
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)

            let viewer = try await signIn(bed, "viewerA1")
            let viewed = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline/board", headers: viewer.headers)
            #expect(viewed.body.string.contains("draggable=\"false\"") && !viewed.body.string.contains("draggable=\"true\""))

            let outsider = try await signIn(bed, "consultantB1")
            #expect(try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline", headers: outsider.headers).status == .notFound)
        }
    }

    /// A won column holds years of leads: it shows its newest hundred and says there are more.
    @Test(arguments: TestDatabase.available)
    func aFullColumnShowsItsNewestCardsAndSaysThereAreMore(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let engine = bed.services.engine
            for index in 0...PipelineBoard.perColumn {
                let contact = try await engine.contacts.create(Contact(clinicID: bed.clinicA1.id, name: "Won #\(1000 + index)", identities: []))
                _ = try await engine.leads.create(Lead(clinicID: bed.clinicA1.id, contactID: contact.id, stage: "WON", status: .won))
            }
            let session = try await signIn(bed, "viewerA1")
            let board = try await bed.app.testing().sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline/board", headers: session.headers).body.string
            #expect(board.contains("<h2 id=\"stage-WON\">Won <span class=\"count\">\(PipelineBoard.perColumn)+</span></h2>"))
            #expect(board.contains("Won #\(1000 + PipelineBoard.perColumn)") && !board.contains("Won #1000<"), "the newest shown, the oldest left out")
        }
    }

    @Test(arguments: TestDatabase.available)
    func movingACardGoesThroughTheAPIWithTheCSRFToken(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let tester = try bed.app.testing()
            let path = "/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/leads/\(bed.ids["leadID"]!.lowercased)"
            let body = ByteBuffer(string: #"{"stage":"QUALIFIED"}"#)
            let session = try await signIn(bed, "consultantA1")
            var headers = session.headers
            headers.contentType = .json
            #expect(try await tester.sendRequest(.PATCH, path, headers: headers, body: body).status == .forbidden, "no CSRF token")
            var bearerOnly = HTTPHeaders()
            bearerOnly.bearerAuthorization = BearerAuthorization(token: try await bed.token("consultantA1"))
            bearerOnly.contentType = .json
            #expect(try await tester.sendRequest(.PATCH, path, headers: bearerOnly, body: body).status == .unauthorized, "the console API takes the session only")
            headers.add(name: ConsoleSession.csrfHeader, value: session.csrf)
            let moved = try await tester.sendRequest(.PATCH, path, headers: headers, body: body)
            #expect(moved.status == .ok)
            #expect(try moved.json()["stage"] as? String == "QUALIFIED")

            let viewer = try await signIn(bed, "viewerA1")
            var viewerHeaders = viewer.headers
            viewerHeaders.contentType = .json
            viewerHeaders.add(name: ConsoleSession.csrfHeader, value: viewer.csrf)
            #expect(try await tester.sendRequest(.PATCH, path, headers: viewerHeaders, body: body).status == .forbidden)
            var stolen = viewerHeaders
            stolen.replaceOrAdd(name: ConsoleSession.csrfHeader, value: session.csrf)
            #expect(try await tester.sendRequest(.PATCH, path, headers: stolen, body: body).status == .forbidden, "a token is bound to its session")

            // The live feed carries the change.
            let feed = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/events?after=0&once=true", headers: session.headers)
            #expect(feed.headers.contentType?.description.hasPrefix("text/event-stream") == true)
            #expect(feed.body.string.contains("event: change\ndata: {") && feed.body.string.contains("lead.stage_changed"))
        }
    }

    @Test func aConversationShowsItsTranscriptAndReplyBoxByRole() async throws {
        try await withAPI(.sqlite) { bed in
            let engine = bed.services.engine
            let conversation = try #require(try await engine.conversations.find(id: bed.ids["conversationID"]!, clinicID: bed.clinicA1.id))
            try await engine.conversations.insert(Message(
                clinicID: bed.clinicA1.id, conversationID: conversation.id, contactID: conversation.contactID, channelID: conversation.channelID,
                direction: .inbound, providerMessageID: "wamid.console", body: "Quanto custa o implante?", status: "received", author: "contact", sentAt: Date()
            ))
            let tester = try bed.app.testing()
            let path = "/clinics/\(bed.clinicA1.id.lowercased)/conversations/\(conversation.id.lowercased)"
            let consultant = try await tester.sendRequest(.GET, path, headers: try await signIn(bed, "consultantA1").headers).body.string
            #expect(consultant.contains("Quanto custa o implante?"))
            #expect(consultant.contains("form class=\"reply\"") && consultant.contains("Take over"))
            let viewer = try await tester.sendRequest(.GET, path, headers: try await signIn(bed, "viewerA1").headers).body.string
            #expect(viewer.contains("Quanto custa o implante?") && !viewer.contains("form class=\"reply\""))
            let list = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/conversations", headers: try await signIn(bed, "viewerA1").headers).body.string
            #expect(list.contains(path))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aContactPageShowsScoresConsentAppointmentsAndTimeline(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let engine = bed.services.engine
            let contactID = bed.ids["contactID"]!
            try await engine.scoring.record(
                LeadScore(score: 4, temperature: .warm, confidence: 0.8, reasons: ["asks about implant"], procedure: "implant", budgetMentioned: false, urgency: .none, scorer: "rules"),
                leadID: bed.ids["leadID"]!, clinicID: bed.clinicA1.id
            )
            _ = try await engine.consent.record(.optOut, contactID: contactID, clinicID: bed.clinicA1.id, channelID: nil, source: "api", evidence: "Asked on the phone <not> to be messaged")
            let dentist = try await engine.scheduling.create(Practitioner(clinicID: bed.clinicA1.id, name: "Dra. Ana", availability: try WorkingHours(["mon": ["09:00-12:00"]])))
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await engine.scheduling.book(Slot(practitionerID: dentist.id, startsAt: start, endsAt: start.addingTimeInterval(1800)), clinicID: bed.clinicA1.id, contactID: contactID, leadID: nil, source: "console")
            try await engine.events.append(try EventDraft(clinicID: bed.clinicA1.id, stream: Contact.stream(contactID), type: "lead.stage_changed", encoding: ["to": "QUALIFIED"]))

            var lead = try #require(try await engine.leads.find(id: bed.ids["leadID"]!, clinicID: bed.clinicA1.id))
            lead.depositMinor = 15_000
            lead.currency = "BRL"
            try await engine.leads.save(lead)

            let tester = try bed.app.testing()
            let path = "/clinics/\(bed.clinicA1.id.lowercased)/contacts/\(contactID.lowercased)"
            let html = try await tester.sendRequest(.GET, path, headers: try await signIn(bed, "consultantA1").headers).body.string
            #expect(html.contains("4/5 WARM") && html.contains("asks about implant"))
            #expect(html.contains("opted out: transactional messages only"))
            #expect(html.contains("deposit paid R$ 150,00"), "the Stripe deposit on the lead")
            #expect(html.contains("Asked on the phone &lt;not&gt; to be messaged"))
            #expect(html.contains("with Dra. Ana · <strong>booked</strong> · console"))
            // Consultants move it on with one click (PATCH through the console API) and book a free slot.
            #expect(html.contains("data-patch=\"/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/appointments/"))
            #expect(html.contains(#"data-body='{"status":"no_show"}'"#) && !html.contains(#"data-body='{"status":"booked"}'"#))
            #expect(html.contains("Book a free slot") && html.contains("aria-label=\"Book "))
            #expect(html.contains("lead · stage changed"))
            #expect(html.contains("/contacts/\(contactID.lowercased)/merge"))
            let viewer = try await tester.sendRequest(.GET, path, headers: try await signIn(bed, "viewerA1").headers).body.string
            #expect(!viewer.contains("/merge"))
            #expect(!viewer.contains("data-patch") && !viewer.contains("Book a free slot"))
            let outsider = try await tester.sendRequest(.GET, "/clinics/\(bed.clinicB1.id.lowercased)/contacts/\(contactID.lowercased)", headers: try await signIn(bed, "adminB1").headers)
            #expect(outsider.status == .notFound)
        }
    }

    @Test func deadLettersAreListedForAdminsAndReplayedThroughTheConsoleAPI() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            let page = "/clinics/\(bed.clinicA1.id.lowercased)/dead-letters"
            let admin = try await signIn(bed, "adminA1")
            let html = try await tester.sendRequest(.GET, page, headers: admin.headers).body.string
            #expect(html.contains("test.failing") && html.contains("the provider answered HTTP 503"))
            #expect(html.contains(">Dead letters</a>"))
            let consultant = try await signIn(bed, "consultantA1")
            #expect(try await tester.sendRequest(.GET, page, headers: consultant.headers).status == .forbidden)
            #expect(!(try await tester.sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/pipeline", headers: consultant.headers).body.string.contains(">Dead letters</a>")))

            var headers = admin.headers
            headers.add(name: ConsoleSession.csrfHeader, value: admin.csrf)
            let replay = "/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/dead-letters/\(bed.ids["jobID"]!.lowercased)/replay"
            let replayed = try await tester.sendRequest(.POST, replay, headers: headers)
            #expect(replayed.status == .ok)
            #expect(try replayed.json()["status"] as? String == "queued")
            #expect(try await tester.sendRequest(.POST, replay, headers: headers).status == .conflict)
            #expect(try await tester.sendRequest(.GET, page, headers: admin.headers).body.string.contains("Nothing here"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func theDashboardMeasuresSpeedFunnelWorkloadAndHandOffs(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let engine = bed.services.engine
            let start = Date().addingTimeInterval(-3600)
            let consultant = bed.users["consultantA1"]!.id
            for (index, (seconds, stage)) in [(60.0, "CONTACTED"), (120, "QUALIFIED"), (900, "WON")].enumerated() {
                let contact = try await engine.contacts.create(Contact(clinicID: bed.clinicA1.id, name: "Lead \(index)", identities: []))
                var lead = Lead(clinicID: bed.clinicA1.id, contactID: contact.id, stage: stage, source: "webform", utm: UTM(source: "google", campaign: "implantes"))
                lead.status = stage == "WON" ? .won : .open
                lead.ownerID = consultant
                lead.firstInboundAt = start
                lead.firstResponseAt = start.addingTimeInterval(seconds)
                _ = try await engine.leads.create(lead)
            }
            let conversation = try #require(try await engine.conversations.find(id: bed.ids["conversationID"]!, clinicID: bed.clinicA1.id))
            try await engine.conversations.saveAssistantState(AssistantState(stage: .transferred), conversationID: conversation.id)

            let html = try await bed.app.testing().sendRequest(.GET, "/clinics/\(bed.clinicA1.id.lowercased)/dashboard", headers: try await signIn(bed, "viewerA1").headers).body.string
            let all = try await engine.leads.list(clinicID: bed.clinicA1.id, .init()).total
            #expect(html.contains("<p class=\"window\" id=\"dashboard-window\">All \(all) leads of the clinic.</p>"))
            #expect(html.contains("<span class=\"kpi-value\" id=\"kpi-median\">2 min</span>"))
            #expect(html.contains("<span class=\"kpi-value\" id=\"kpi-five\">66 %</span>"))
            #expect(html.contains("<span class=\"kpi-value\" id=\"kpi-handoff\">100 %</span>"))
            #expect(html.contains("<svg class=\"chart\" role=\"img\" aria-label=\"Leads per stage\""))
            #expect(html.contains(">consultantA1</text>"))
            // 3 of the 4 leads (Maria is NEW) got to Contacted or beyond; 2 to Qualified (one won).
            #expect(html.contains(">Contacted · 75 % reached</text>") && html.contains(">Qualified · 50 % reached</text>"))
            #expect(html.contains("<td>webform · implantes</td><td>3</td><td>1</td><td>33 %</td>"))
        }
    }

    @Test func settingsShowWebhookURLsArticlesAndTheAssistantForAdminsOnly() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            let page = "/clinics/\(bed.clinicA1.id.lowercased)/settings"
            var headers = try await signIn(bed, "adminA1").headers
            headers.add(name: .host, value: "clinic.example.com")
            let html = try await tester.sendRequest(.GET, page, headers: headers).body.string
            #expect(html.contains("<code>http://clinic.example.com/hooks/meta/\(bed.ids["channelID"]!.lowercased)</code>"))
            #expect(html.contains("<strong>Endereço</strong>"))
            #expect(html.contains("&quot;enabled&quot; : false"))
            #expect(html.contains("data-api=\"/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/settings/assistant\" data-method=\"PUT\""))
            #expect(html.contains("data-api=\"/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/stages\" data-method=\"PUT\""))
            #expect(html.contains("&quot;key&quot; : &quot;MEETING_SCHEDULED&quot;"))
            #expect(html.contains("&quot;llm_enabled&quot; : false"))
            #expect(html.contains("data-api=\"/console/api/v1/clinics/\(bed.clinicA1.id.lowercased)/settings/scheduling\" data-method=\"PUT\""))
            #expect(html.contains("&quot;reminder_hours&quot; : ["))
            #expect(html.contains("/users/\(bed.users["consultantA1"]!.id.lowercased)/assignment"))
            #expect(try await tester.sendRequest(.GET, page, headers: try await signIn(bed, "consultantA1").headers).status == .forbidden)
        }
    }

    @Test func assetsAreServed() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            let script = try await tester.sendRequest(.GET, "/console/assets/console.js")
            #expect(script.status == .ok && script.body.string.contains("EventSource"))
            #expect(try await tester.sendRequest(.GET, "/console/assets/../../etc/passwd").status == .notFound)
        }
    }
}
