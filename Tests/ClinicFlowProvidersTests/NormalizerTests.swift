import ClinicFlowDomain
@testable import ClinicFlowProviders
import Foundation
import Testing

/// What each provider's sample payloads mean once normalised.
@Suite struct NormalizerTests {
    func channel(_ provider: Provider) -> ClinicChannel { ClinicChannel(clinicID: UUID(), provider: provider, name: "test") }

    func normalize(_ provider: Provider, _ fixture: String, mediaType: String = "application/json") throws -> [InboundEvent] {
        let content = DeliveryContent(body: try Fixtures.bytes(fixture), mediaType: mediaType, receivedAt: Date(timeIntervalSince1970: 1_717_000_000))
        return try WebhookAdapters.adapter(for: provider).normalize(content, channel: channel(provider))
    }

    func identity(_ provider: Provider, _ fixture: String, mediaType: String = "application/json") throws -> DeliveryIdentity {
        let request = WebhookRequest(url: "https://x/hooks", headers: HeaderFields([("Content-Type", mediaType)]), body: try Fixtures.bytes(fixture))
        return try WebhookAdapters.adapter(for: provider).inspect(request)
    }

    func messageOf(_ event: InboundEvent?) -> InboundMessage? {
        if case .message(let message) = event?.body { return message }
        return nil
    }

    @Test func metaOfficialTextSample() throws {
        let events = try normalize(.meta, "meta-text-message.json")
        #expect(events.count == 1)
        let event = try #require(events.first)
        let message = try #require(messageOf(event))
        #expect(event.providerEventID == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
        #expect(message.senderPhone == "+16505551234")
        #expect(message.senderName == "Sheena Nelson")
        #expect(message.senderExternalID == "16505551234")
        #expect(message.text == "Does it come in another color?")
        #expect(message.mediaKind == nil)
        #expect(message.businessNumber == "+15550783881")
        #expect(message.businessAccountID == "106540352242922")
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_749_416_383))
        #expect(try identity(.meta, "meta-text-message.json").dedupeKey == event.providerEventID)
    }

    @Test func metaBatchYieldsEveryMessageAndStatus() throws {
        let events = try normalize(.meta, "meta-batch.json")
        #expect(events.map(\.kind) == ["message", "message", "message_status", "message_status"])
        let image = try #require(messageOf(events[0]))
        #expect(image.text == "Quanto custa o implante?")
        #expect(image.mediaKind == .image)
        #expect(image.senderName == "João Álvares")
        #expect(image.referral == .init(sourceURL: "https://fb.me/ad123", sourceType: "ad", sourceID: "120210000000", headline: "Implantes em 12x"))
        let reply = try #require(messageOf(events[1]))
        #expect(reply.text == "Marcar consulta")
        #expect(reply.mediaKind == .interactive)
        #expect(reply.senderPhone == "+351912345678")
        guard case .messageStatus(let delivered) = events[2].body, case .messageStatus(let failed) = events[3].body else {
            Issue.record("statuses missing"); return
        }
        #expect(delivered.state == .delivered)
        #expect(delivered.conversationExpiresAt == Date(timeIntervalSince1970: 1_749_502_800))
        #expect(events[2].providerEventID == "status:wamid.OUT1:delivered")
        #expect(failed.state == .failed)
        #expect(failed.errorCode == "131047")
        #expect(failed.errorTitle == "Re-engagement message")
        let key = try identity(.meta, "meta-batch.json").dedupeKey
        #expect(key.hasPrefix("ids-sha256:"))  // four ids fold into a bounded key
    }

    @Test func dialog360ReadsMetaAndLegacyBodies() throws {
        #expect(try normalize(.dialog360, "meta-text-message.json").map(\.provider) == [.dialog360])
        let legacy = #"{"contacts":[{"profile":{"name":"Ana"},"wa_id":"351912345678"}],"messages":[{"from":"351912345678","id":"ABGGFlA5FpafAgo6EhsTw_tY2aAp","timestamp":"1518694235","text":{"body":"Olá"},"type":"text"}]}"#
        let events = try Dialog360Adapter().normalize(DeliveryContent(body: Array(legacy.utf8), mediaType: "application/json", receivedAt: Date()), channel: channel(.dialog360))
        #expect(messageOf(events.first)?.text == "Olá")
        #expect(messageOf(events.first)?.senderName == "Ana")
    }

    @Test func evolutionMessagesUpsert() throws {
        let events = try normalize(.evolution, "evolution-messages-upsert.json")
        let message = try #require(messageOf(events.first))
        #expect(message.providerMessageID == "3EB0A1B2C3")
        #expect(message.senderPhone == "+5511999999999")
        #expect(message.senderName == "Maria")
        #expect(message.text == "Quero agendar")
        #expect(message.businessNumber == "+5511888888888")
        #expect(message.businessAccountID == "clinic01")
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_717_000_000))
        #expect(try identity(.evolution, "evolution-messages-upsert.json").dedupeKey == "messages.upsert:3EB0A1B2C3")
    }

    @Test func evolutionHiddenNumbersOwnMessagesAndGroups() throws {
        func events(_ key: String, extra: String = "") throws -> [InboundEvent] {
            let body = #"{"event":"messages.upsert","instance":"c1","data":{"key":\#(key),"pushName":"P","message":{"extendedTextMessage":{"text":"oi"}},"messageTimestamp":"1717000000"}\#(extra)}"#
            return try EvolutionAdapter().normalize(DeliveryContent(body: Array(body.utf8), mediaType: nil, receivedAt: Date()), channel: channel(.evolution))
        }
        let lid = try events(#"{"remoteJid":"123456789@lid","fromMe":false,"id":"L1","addressingMode":"lid","remoteJidAlt":"5511977776666@s.whatsapp.net"}"#)
        #expect(messageOf(lid.first)?.senderPhone == "+5511977776666")
        #expect(messageOf(lid.first)?.senderExternalID == "123456789@lid")
        #expect(messageOf(lid.first)?.text == "oi")
        #expect(try events(#"{"remoteJid":"5511977776666@s.whatsapp.net","fromMe":true,"id":"M1"}"#).isEmpty)
        #expect(try events(#"{"remoteJid":"1203630@g.us","fromMe":false,"id":"G1"}"#).isEmpty)
    }

    @Test func chatwootIncomingMessagesOnly() throws {
        let sample = try normalize(.chatwoot, "chatwoot-message-created.json")
        #expect(messageOf(sample.first)?.text == "hi")
        #expect(messageOf(sample.first)?.conversationID == "10")
        #expect(messageOf(sample.first)?.senderPhone == nil)  // web-widget contacts have no phone
        let rich = try #require(messageOf(try normalize(.chatwoot, "chatwoot-message-with-phone.json").first))
        #expect(rich.senderPhone == "+351912345678")
        #expect(rich.senderEmail == "ana@example.com")
        #expect(rich.businessAccountID == "3")
        #expect(rich.sentAt == Timestamps.iso8601("2024-03-01T10:05:00.000Z"))
        // Outgoing and private messages are ours: they must not come back in as leads (sync loop guard).
        for variant in [#""message_type":"outgoing""#, #""message_type":"template""#] {
            let body = try Fixtures.text("chatwoot-message-created.json").replacingOccurrences(of: #""message_type":"incoming""#, with: variant)
            #expect(try ChatwootAdapter().normalize(DeliveryContent(body: Array(body.utf8), mediaType: nil, receivedAt: Date()), channel: channel(.chatwoot)).isEmpty)
        }
        let privateNote = try Fixtures.text("chatwoot-message-created.json").replacingOccurrences(of: #""private":false"#, with: #""private":true"#)
        #expect(try ChatwootAdapter().normalize(DeliveryContent(body: Array(privateNote.utf8), mediaType: nil, receivedAt: Date()), channel: channel(.chatwoot)).isEmpty)
    }

    @Test func chatwootContactUpdate() throws {
        let events = try normalize(.chatwoot, "chatwoot-contact-updated.json")
        guard case .contactUpsert(let contact) = events.first?.body else { Issue.record("no contact"); return }
        #expect(contact == ContactUpsert(system: .chatwoot, externalID: "14", name: "Ana Sousa", email: "ANA@example.com", phone: "+351912345678", changedFields: ["phone_number"]))
    }

    @Test func calcomBookings() throws {
        let created = try normalize(.calcom, "calcom-booking-created.json")
        guard case .booking(let booking) = created.first?.body else { Issue.record("no booking"); return }
        #expect(booking.bookingUID == "bFJeNb2uX8ANpT3JL5EfXw")
        #expect(booking.action == .created)
        #expect(booking.attendeeName == "John Doe")
        #expect(booking.attendeeEmail == "john.doe@example.com")
        #expect(booking.organizerEmail == "pro@example.com")
        #expect(booking.startsAt == Timestamps.iso8601("2023-05-25T09:30:00Z"))
        #expect(booking.timeZone == "Asia/Kolkata")
        #expect(created.first?.providerEventID == "bFJeNb2uX8ANpT3JL5EfXw:BOOKING_CREATED")

        let rescheduled = try normalize(.calcom, "calcom-booking-rescheduled.json")
        guard case .booking(let moved) = rescheduled.first?.body else { Issue.record("no booking"); return }
        #expect(moved.action == .rescheduled)
        #expect(moved.previousBookingUID == "bFJeNb2uX8ANpT3JL5EfXw")
        #expect(moved.attendeePhone == "+5511987654321")
        #expect(try identity(.calcom, "calcom-booking-rescheduled.json").dedupeKey == "newUid123:BOOKING_RESCHEDULED")
    }

    @Test func twentyBatchedPeople() throws {
        let events = try normalize(.twenty, "twenty-person-updated-batch.json")
        let contacts = events.compactMap { event -> ContactUpsert? in
            if case .contactUpsert(let contact) = event.body { return contact }
            return nil
        }
        #expect(contacts.count == 2)
        #expect(contacts[0].name == "Ioana Popescu")
        #expect(contacts[0].phone == "+40721123456")
        #expect(contacts[0].email == "ioana@example.ro")
        #expect(contacts[0].changedFields == ["phones"])
        #expect(contacts[1].name == "Ion")
        #expect(contacts[1].email == nil)
        #expect(contacts[1].phone == nil)
    }

    @Test func stripeCheckoutDeposit() throws {
        let events = try normalize(.stripe, "stripe-checkout-session-completed.json")
        guard case .payment(let payment) = events.first?.body else { Issue.record("no payment"); return }
        #expect(payment.state == .succeeded)
        #expect(payment.amountMinor == 15000)
        #expect(payment.currency == "BRL")
        #expect(payment.email == "maria@example.com")
        #expect(payment.phone == "+5511987654321")
        #expect(payment.metadata == ["lead_id": "9b2f", "procedure": "implante"])
        #expect(events.first?.providerEventID == "evt_1PqXyZ2eZvKYlo2C0a1b2c3d")
        // Event types ClinicFlow does not use are acknowledged without events.
        let other = try Fixtures.text("stripe-checkout-session-completed.json").replacingOccurrences(of: "checkout.session.completed", with: "customer.created")
        #expect(try StripeAdapter().normalize(DeliveryContent(body: Array(other.utf8), mediaType: nil, receivedAt: Date()), channel: channel(.stripe)).isEmpty)
    }

    @Test func twilioWhatsAppMessageAndMissedCall() throws {
        let form = "application/x-www-form-urlencoded"
        let message = try #require(messageOf(try normalize(.twilio, "twilio-whatsapp-inbound.form", mediaType: form).first))
        #expect(message.text == "Hola, ¿cuánto cuesta una limpieza?")
        #expect(message.senderPhone == "+5215512345678")
        #expect(message.senderName == "Carlos Peña")
        #expect(message.senderExternalID == "5215512345678")
        #expect(message.businessNumber == "+14155238886")
        #expect(try identity(.twilio, "twilio-whatsapp-inbound.form", mediaType: form).dedupeKey == "SM0a1b2c3d4e5f:received")

        let call = try normalize(.twilio, "twilio-call-no-answer.form", mediaType: form)
        guard case .call(let missed) = call.first?.body else { Issue.record("no call"); return }
        #expect(missed.phase == .missed)
        #expect(missed.from == "+14155550123")
        #expect(missed.direction == "inbound")
    }

    @Test func vapiEndOfCallReport() throws {
        let events = try normalize(.vapi, "vapi-end-of-call-report.json")
        guard case .call(let call) = events.first?.body else { Issue.record("no call"); return }
        #expect(call.callID == "call_7f2c9a")
        #expect(call.phase == .ended)
        #expect(call.from == "+40721123456")
        #expect(call.to == "+40311234567")
        #expect(call.durationSeconds == 245)
        #expect(call.transcript?.contains("implant") == true)
        #expect(call.summary == "Caller wants an implant appointment.")
        #expect(call.recordingURL == "https://storage.vapi.ai/rec_1.wav")
        #expect(try identity(.vapi, "vapi-end-of-call-report.json").dedupeKey == "end-of-call-report:call_7f2c9a")
    }

    @Test func hubSpotContactEvents() throws {
        let events = try normalize(.hubspot, "hubspot-contact-events.json")
        #expect(events.count == 2)  // the deal event is not about a contact
        guard case .contactUpsert(let changed) = events[1].body else { Issue.record("no contact"); return }
        #expect(changed.externalID == "123")
        #expect(changed.phone == "+34600123456")
        #expect(changed.changedFields == ["phone"])
        #expect(events[0].occurredAt == Date(timeIntervalSince1970: 1_564_113_600))
        #expect(try identity(.hubspot, "hubspot-contact-events.json").dedupeKey == "event:1,event:2,event:3")
    }

    @Test func webFormLeadWithUTM() throws {
        let events = try normalize(.webform, "webform-lead.form", mediaType: "application/x-www-form-urlencoded")
        guard case .formLead(let lead) = events.first?.body else { Issue.record("no lead"); return }
        #expect(lead.name == "Beatriz Costa")
        #expect(lead.phone == "+55 11 98765-4321")
        #expect(lead.email == "beatriz@example.com")
        #expect(lead.procedure == "Clareamento")
        #expect(lead.message == "Gostaria de agendar")
        #expect(lead.utm == UTM(source: "google", medium: "cpc", campaign: "clareamento-sp"))
        #expect(lead.pageURL == "https://clinica.example/clareamento")
        #expect(lead.consent == true)
        #expect(lead.fields == ["como_conheceu": "Instagram"])
    }

    @Test func webFormWithoutContactIsRefused() throws {
        let request = WebhookRequest(url: "https://x", headers: HeaderFields([("Content-Type", "application/json")]), body: Array(#"{"name":"Only a name"}"#.utf8))
        #expect(throws: WebhookRejection(status: 422, reason: "a lead needs at least a phone or an email field")) {
            try WebFormAdapter().inspect(request)
        }
    }

    @Test func malformedBodiesFailWithTheirPath() throws {
        let request = WebhookRequest(url: "https://x", headers: HeaderFields([("Content-Type", "application/json")]), body: Array(#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}"#.utf8))
        do {
            _ = try MetaAdapter().inspect(request)
            Issue.record("a change without value was accepted")
        } catch let error as DecodingError {
            guard case .keyNotFound(let key, let context) = error else { Issue.record("\(error)"); return }
            #expect(key.stringValue == "value")
            #expect(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["entry", "0", "changes", "0"])
        }
    }

    @Test func formEncodingRoundTripsAndRejectsBadEscapes() throws {
        let pairs = [("a b", "1+1=2"), ("ünï", "ç&é")]
        let decoded = try FormEncoding.parse(Array(FormEncoding.encode(pairs).utf8))
        #expect(decoded.map(\.name) == ["a b", "ünï"])
        #expect(decoded.map(\.value) == ["1+1=2", "ç&é"])
        #expect(throws: WebhookRejection.self) { try FormEncoding.parse(Array("a=%zz".utf8)) }
        #expect(throws: WebhookRejection.self) { try FormEncoding.parse(Array("a=%4".utf8)) }
        #expect(throws: WebhookRejection.self) { try FormEncoding.parse(Array("a=%ff".utf8)) }  // not UTF-8
    }
}
