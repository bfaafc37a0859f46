import AsyncHTTPClient
import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import NIOCore
import Testing
import Vapor

/// The console in a real browser (Debian's Chromium, driven over WebDriver) against a real server on
/// loopback: sign in, watch a lead arrive live from a signed webhook, drag it to another stage, reply.
/// Runs when Chromium and chromedriver are installed; CI installs them and sets
/// CLINICFLOW_REQUIRE_BROWSER=1 so their absence fails instead of skipping.
/// CLINICFLOW_SCREENSHOTS=<dir> saves the pages shown in the README.
@Suite(.serialized) struct ConsoleBrowserTests {
    @Test func signInSeeALeadArriveLiveMoveItAndReply() async throws {
        guard let (browser, driverPath) = WebDriver.installed else {
            if ProcessInfo.processInfo.environment["CLINICFLOW_REQUIRE_BROWSER"] == "1" {
                Issue.record("Chromium and chromedriver are required: apt-get install -y chromium chromium-driver")
            }
            return
        }
        let shots = ProcessInfo.processInfo.environment["CLINICFLOW_SCREENSHOTS"]
        try await withApp(.sqlite, environment: ["CLINICFLOW_BCRYPT_COST": "4", "CLINICFLOW_JOBS_IN_PROCESS": "true"]) { app, services in

            let bed = try await APITestbed(app: app, services: services)
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let site = "http://127.0.0.1:\(port)"
            // withApp stops the server however this ends; the driver and its browser stop here.
            let chromedriver = try await ChromeDriverProcess.start(driver: driverPath)
            defer { chromedriver.stop() }
            let driver = try await WebDriver.start(driverURL: chromedriver.url, browser: browser)
            do {
                try await run(driver, site: site, bed: bed, shots: shots)
            } catch {
                if let shots { try? await driver.screenshot(to: "\(shots)/failure.png") }
                await driver.quit()
                throw error
            }
            await driver.quit()
        }
    }

    func run(_ driver: WebDriver, site: String, bed: APITestbed, shots: String?) async throws {
        let engine = bed.services.engine
        let clinic = bed.clinicA1.id.lowercased

        // Sign in.
        try await driver.go(site + "/clinics/\(clinic)/pipeline")
        try await driver.wait("the sign-in page") { try await driver.url.contains("/login") }
        if let shots { try await driver.screenshot(to: "\(shots)/sign-in.png") }
        try await driver.type("#email", "consultanta1@example.com")
        try await driver.type("#password", APITestbed.password)
        try await driver.click("button[type=submit]")
        try await driver.wait("the pipeline after sign-in") { try await driver.url.hasSuffix("/clinics/\(clinic)/pipeline") }
        try await driver.wait("the live feed") { try await driver.text("#live") == "Live" }

        // A signed WhatsApp webhook arrives; the card appears without a reload.
        let marker = try await driver.script("window.__notReloaded = true; return true;")
        #expect(marker as? Bool == true)
        let webhook = try SignedWebhook.simulated(.meta, index: 7, secret: "s", seed: 99)
        var request = HTTPClientRequest(url: site + "/hooks/meta/\(bed.ids["channelID"]!.lowercased)")
        request.method = .POST
        for (name, value) in webhook.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: webhook.body))
        let accepted = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(accepted.status == .ok)
        var newLead: Lead?
        try await driver.wait("the lead to be taken in") {
            newLead = try await engine.leads.list(clinicID: bed.clinicA1.id, .init()).items.first { $0.id != bed.ids["leadID"] }
            return newLead != nil
        }
        let lead = try #require(newLead)
        try await driver.wait("the new card on the board, live") {
            try await driver.script("return document.querySelector('[data-lead=\"\(lead.id.lowercased)\"]') !== null && window.__notReloaded === true;") as? Bool == true
        }
        if let shots { try await driver.screenshot(to: "\(shots)/pipeline.png") }

        // Drag it to QUALIFIED: the page's own drag-and-drop handlers call the API.
        try await driver.script("""
            const [lead, stage] = arguments;
            const card = document.querySelector('[data-lead="' + lead + '"]');
            const column = document.querySelector('.column[data-stage="' + stage + '"]');
            const data = new DataTransfer();
            card.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
            column.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
            column.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
            """, [lead.id.lowercased, "QUALIFIED"])
        try await driver.wait("the stage change to be saved") {
            try await engine.leads.find(id: lead.id, clinicID: bed.clinicA1.id)?.stage == "QUALIFIED"
        }
        try await driver.wait("the card in its new column") {
            try await driver.script("return document.querySelector('.column[data-stage=\"QUALIFIED\"] [data-lead=\"\(lead.id.lowercased)\"]') !== null;") as? Bool == true
        }

        // Open the conversation from the card and reply: the reply goes through the outbox.
        // The board may be swapped by a live refresh between finding the link and clicking it: retry.
        try await driver.wait("the conversation") {
            if try await driver.url.contains("/conversations/") { return true }
            try await driver.click("[data-lead=\"\(lead.id.lowercased)\"] .name a")
            return try await driver.url.contains("/conversations/")
        }
        try await driver.type("#reply-text", "Olá! Aqui é a Ana da clínica. Posso ajudar?")
        try await driver.click("form.reply button[type=submit]")
        try await driver.wait("the reply in the outbox") {
            let conversation = try await engine.conversations.list(clinicID: bed.clinicA1.id, contactID: lead.contactID).items.first
            guard let conversation else { return false }
            return try await engine.conversations.messages(conversationID: conversation.id, clinicID: bed.clinicA1.id)
                .contains { $0.direction == .outbound && $0.body == "Olá! Aqui é a Ana da clínica. Posso ajudar?" && $0.author.hasPrefix("user:") }
        }
        try await driver.wait("the reply on the page") { try await driver.text(".transcript").contains("Aqui é a Ana da clínica") }
        #expect(try await driver.text(".state").contains("taken over"))
        if let shots { try await driver.screenshot(to: "\(shots)/conversation.png") }

        // The dashboard counts the lead that was just answered.
        try await driver.go(site + "/clinics/\(clinic)/dashboard")
        try await driver.wait("the dashboard") { try await driver.text("#kpi-handoff").isEmpty == false }
        if let shots { try await driver.screenshot(to: "\(shots)/dashboard.png") }

        // From the patient's page: book the first free slot, then confirm it.
        try await driver.go(site + "/clinics/\(clinic)/contacts/\(lead.contactID.uuidString.lowercased())")
        try await driver.click("ul.slots form button[type=submit]")
        try await driver.wait("the appointment booked") { try await !engine.scheduling.appointments(clinicID: bed.clinicA1.id, contactID: lead.contactID).isEmpty }
        try await driver.wait("the appointment on the page") { try await driver.text("section[aria-labelledby=appointments] ul.list").contains("booked") }
        try await driver.click("button[data-body*=confirmed]")
        try await driver.wait("the appointment confirmed") {
            try await engine.scheduling.appointments(clinicID: bed.clinicA1.id, contactID: lead.contactID).first?.status == .confirmed
        }
        try await driver.wait("the confirmation on the page") { try await driver.text("section[aria-labelledby=appointments] ul.list").contains("confirmed") }
        if let shots { try await driver.screenshot(to: "\(shots)/contact.png") }

        // Sign out; an admin turns the assistant on from the settings page.
        try await driver.click(".logout button[type=submit]")
        try await driver.wait("the sign-in page after signing out") { try await driver.url.contains("/login") }
        try await driver.type("#email", "admina1@example.com")
        try await driver.type("#password", APITestbed.password)
        try await driver.click("button[type=submit]")
        try await driver.wait("the pipeline") { try await driver.url.contains("/pipeline") }
        try await driver.go(site + "/clinics/\(clinic)/settings")
        try await driver.script("const area = document.getElementById('assistant-json'); const value = JSON.parse(area.value); value.enabled = true; area.value = JSON.stringify(value, null, 2);")
        try await driver.click("form[data-api$=\"/settings/assistant\"] button[type=submit]")
        try await driver.wait("the assistant turned on") { try await engine.scoring.assistantSettings(clinicID: bed.clinicA1.id).enabled }
        if let shots { try await driver.screenshot(to: "\(shots)/settings.png") }
    }
}

