import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowTestSupport
import Foundation
import Testing

/// The CRM clients against loopback servers that accept only each API's documented requests and page
/// their lists: finding a person on a later page, creating with the right shapes, the auth header,
/// and errors sorted into retry or give up.
@Suite struct CRMClientTests {
    let maria = CRMPerson(name: "Maria da Silva", email: "maria@example.com", phone: PhoneNumber.normalize("+5511987654321", defaultRegion: "BR"))

    func with(_ start: (CRMRecords) async throws -> LoopbackServer, _ body: (LoopbackServer, CRMRecords) async throws -> Void) async throws {
        let records = CRMRecords()
        let server = try await start(records)
        do { try await body(server, records) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func twentyFindsAPersonOnALaterPageCreatesAndUpdatesWithCompositeFields() async throws {
        try await with(TwentyServer.start) { server, records in
            let client = TwentyClient(connection: CRMConnection(baseURL: server.baseURL, auth: ("Authorization", "Bearer \(TwentyServer.apiKey)")))
            // Same national number in other countries first: only the third page has Maria.
            for code in ["+1", "+44", "+351", "+34"] { records.insert("people", ["firstName": "Other", "lastName": code, "phone": "11987654321", "callingCode": code]) }
            let target = records.insert("people", ["firstName": "Maria", "lastName": "", "phone": "11987654321", "callingCode": "+55"])
            let byPhone = CRMPerson(name: nil, email: nil, phone: maria.phone)
            #expect(try await client.find(byPhone) == target.id)
            #expect(server.requests.filter { $0.method == "GET" }.count == 3, "followed hasNextPage/endCursor")
            #expect(server.requests.last?.parameter("filter") == #"phones.primaryPhoneNumber[eq]:"11987654321""#)

            let id = try await client.create(maria)
            let created = try #require(records.find("people", id: id))
            #expect(created.fields == ["firstName": "Maria", "lastName": "da Silva", "email": "maria@example.com", "phone": "11987654321", "callingCode": "+55"])
            let body = try #require(server.requests.last?.json)
            #expect((body["phones"] as? [String: Any])?["primaryPhoneCountryCode"] as? String == "BR")
            #expect(try await client.find(maria) == id, "found by email with Twenty's filter")

            try await client.update(id, CRMPerson(name: "Maria Souza", email: "maria@example.com", phone: maria.phone))
            #expect(records.find("people", id: id)?.fields["lastName"] == "Souza")
            #expect(server.requests.last?.method == "PATCH")
            // A link to a person deleted in Twenty since: found again by email, not an error.
            #expect(try await client.upsert(maria, knownID: "deleted-meanwhile") == id)
            #expect(records.find("people", id: id)?.fields["lastName"] == "da Silva")

            let opportunity = try await client.createOpportunity(name: "Avaliação implante", personID: id, amountMinor: 150_000, currency: "BRL", stage: "MEETING", closeDate: Date())
            #expect(records.find("opportunities", id: opportunity)?.fields["pointOfContactId"] == id)
            let amount = try #require(server.requests.last?.json?["amount"] as? [String: Any])
            #expect(amount["amountMicros"] as? Int == 1_500_000_000 && amount["currencyCode"] as? String == "BRL")
        }
    }

    @Test func chatwootSearchesEveryPageAndCreatesInTheInbox() async throws {
        try await with(ChatwootServer.start) { server, records in
            let connection = CRMConnection(
                baseURL: server.baseURL, auth: ("api_access_token", ChatwootServer.token), accountID: ChatwootServer.account, inboxID: String(ChatwootServer.inbox)
            )
            let client = ChatwootClient(connection: connection)
            #expect(try await client.find(maria) == nil)
            // Sixteen look-alikes fill the first page of results; the exact address is on page two.
            for index in 0..<16 { records.insert("contacts", id: String(index), ["name": "Look-alike", "email": "a\(index)maria@example.com"]) }
            let target = records.insert("contacts", id: "42", ["name": "Maria", "email": "maria@example.com"])
            #expect(try await client.find(maria) == target.id)
            #expect(server.requests.last?.parameter("page") == "2")
            #expect(server.requests.last?.parameter("q") == "maria@example.com")

            let id = try await client.create(CRMPerson(name: "João", email: nil, phone: PhoneNumber.normalize("+351912345678", defaultRegion: "PT")))
            #expect(records.find("contacts", id: id)?.fields == ["name": "João", "phone_number": "+351912345678"])
            #expect(server.requests.last?.json?["inbox_id"] as? Int == ChatwootServer.inbox)
            try await client.update(id, CRMPerson(name: "João Lima", email: nil, phone: nil))
            #expect(records.find("contacts", id: id)?.fields["name"] == "João Lima")

            // Without the inbox a contact cannot be created: a final error, not a retry.
            var noInbox = connection
            noInbox.inboxID = nil
            await #expect(throws: CRMError.self) { _ = try await ChatwootClient(connection: noInbox).create(maria) }
        }
    }

    @Test func hubSpotReadsEveryPagePrefersTheEmailAndAssociatesNotesAndTasks() async throws {
        try await with(HubSpotServer.start) { server, records in
            let client = HubSpotClient(connection: CRMConnection(baseURL: server.baseURL, auth: ("Authorization", "Bearer \(HubSpotServer.token)")))
            records.insert("contacts", ["phone": "+5511987654321", "firstname": "Same phone"])
            let byEmail = records.insert("contacts", ["email": "maria@example.com", "firstname": "Maria"])
            #expect(try await client.find(maria) == byEmail.id, "the email match on page two wins over the phone match on page one")
            let search = try #require(server.requests.last?.json)
            #expect(search["after"] as? String == "1")
            #expect((search["filterGroups"] as? [[String: Any]])?.count == 2, "email OR phone")

            let id = try await client.upsert(CRMPerson(name: "Rui Costa", email: "rui@example.com", phone: nil), knownID: nil)
            #expect(records.find("contacts", id: id)?.fields == ["firstname": "Rui", "lastname": "Costa", "email": "rui@example.com"])
            #expect(try await client.upsert(CRMPerson(name: "Rui Costa", email: "rui@example.com", phone: maria.phone), knownID: nil) == id, "found, then patched")
            #expect(records.find("contacts", id: id)?.fields["phone"] == "+5511987654321")
            #expect(records.all("contacts").count == 3)

            let note = try await client.addNote(contactID: id, text: "HOT lead", at: Date(timeIntervalSince1970: 1_800_000_000))
            #expect(records.find("notes", id: note)?.fields["hs_timestamp"] == "1800000000000")
            let task = try await client.addTask(contactID: id, subject: "Call Rui", body: "HOT", due: Date())
            #expect(records.find("tasks", id: task)?.fields["contact"] == id)
        }
    }

    @Test func errorsAreSortedIntoRetryAndGiveUp() async throws {
        try await with(HubSpotServer.start) { server, _ in
            let wrongToken = HubSpotClient(connection: CRMConnection(baseURL: server.baseURL, auth: ("Authorization", "Bearer nope")))
            do {
                _ = try await wrongToken.create(maria)
                Issue.record("a wrong token must fail")
            } catch let error as CRMError {
                #expect(!error.retryable)
                #expect(error.reason.contains("HTTP 401"))
            }
        }
        // Nobody listening: nothing was sent, try again later.
        let unreachable = TwentyClient(connection: CRMConnection(baseURL: "http://127.0.0.1:9", auth: ("Authorization", "Bearer x"), timeout: 2))
        do {
            _ = try await unreachable.find(maria)
            Issue.record("an unreachable server must fail")
        } catch let error as CRMError {
            #expect(error.retryable)
            #expect(!error.reason.contains("maria"), "search terms stay out of error text: \(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func connectionsComeFromTheChannelAndNameWhatIsMissing() {
        let twenty = ClinicChannel(clinicID: UUID(), provider: .twenty, name: "CRM")
        guard case .failure(let missing) = CRMConnection.of(twenty, credentials: ChannelCredentials(["webhook_secret": "s"])) else {
            Issue.record("a channel without an api_key cannot sync")
            return
        }
        #expect(missing.reason.contains("api_key"))
        guard case .success(let connection) = CRMConnection.of(twenty, credentials: ChannelCredentials(["api_key": "k"])) else { return }
        #expect(connection.baseURL == "https://api.twenty.com")
        #expect(connection.auth == ("Authorization", "Bearer k"))
    }
}
