import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

/// Booking over the API: free slots that honour hours, exceptions and appointment types; booking with
/// conflicts refused; status changes that follow the rules; the scheduling settings document.
@Suite struct SchedulingAPITests {
    func base(_ bed: APITestbed) -> String { "/clinics/\(bed.clinicA1.id)" }

    @Test(arguments: TestDatabase.available)
    func slotsBookingsAndStatusChanges(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let base = base(bed)
            let settings = try await bed.send(.PUT, base + "/settings/scheduling", as: "adminA1", json: #"{"appointment_types":[{"key":"eval","name":"Avaliação","minutes":45}],"recall_months":{"cleaning":6}}"#)
            #expect(settings.status == .ok)
            #expect((try settings.json()["appointment_types"] as? [[String: Any]])?.first?["minutes"] as? Int == 45)
            #expect(try settings.json()["reminder_hours"] as? [Int] == [24, 2], "left out: the default")

            // Dra. Carla works Mondays 09:00–11:00 (São Paulo) and takes the 2026-12-14 off.
            let practitioner = try await bed.send(.POST, base + "/practitioners", as: "adminA1", json: #"{"name":"Dra. Carla","availability":{"mon":["09:00-11:00"]},"email":"Carla@Sorriso.example"}"#).json()
            let carla = try #require(practitioner["id"] as? String)
            #expect(practitioner["email"] as? String == "carla@sorriso.example")
            let after = "2026-12-06T12:00:00Z"
            var slots = try await bed.send(.GET, base + "/slots?practitioner_id=\(carla)&type=eval&after=\(after)&limit=3", as: "viewerA1").json()["items"] as? [[String: Any]]
            #expect(slots?.compactMap { $0["starts_at"] as? String } == ["2026-12-07T12:00:00Z", "2026-12-07T12:45:00Z", "2026-12-14T12:00:00Z"])
            let off = try await bed.send(.PUT, base + "/practitioners/\(carla)", as: "adminA1", json: #"{"name":"Dra. Carla","availability":{"mon":["09:00-11:00"]},"exceptions":[{"date":"2026-12-14","hours":[]}]}"#)
            #expect(off.status == .ok)
            slots = try await bed.send(.GET, base + "/slots?practitioner_id=\(carla)&type=eval&after=\(after)&limit=3", as: "viewerA1").json()["items"] as? [[String: Any]]
            #expect(slots?.compactMap { $0["starts_at"] as? String }.last == "2026-12-21T12:00:00Z", "the day off is skipped")
            let badException = try await bed.send(.PUT, base + "/practitioners/\(carla)", as: "adminA1", json: #"{"name":"Dra. Carla","availability":{},"exceptions":[{"date":"14/12/2026","hours":[]}]}"#)
            #expect(badException.status == .unprocessableEntity)
            #expect(try await bed.send(.GET, base + "/slots?type=nope", as: "viewerA1").status == .unprocessableEntity)

            // Book a future Monday slot; the same time again is a conflict.
            let start = Self.nextMonday(at: 12)
            let contact = bed.ids["contactID"]!.uuidString.lowercased()
            let booking = #"{"contact_id":"\#(contact)","practitioner_id":"\#(carla)","starts_at":"\#(start)","type":"eval"}"#
            let booked = try await bed.send(.POST, base + "/appointments", as: "consultantA1", json: booking)
            #expect(booked.status == .created, "\(booked.body.string)")
            let appointment = try booked.json()
            #expect(appointment["status"] as? String == "booked" && appointment["source"] as? String == "api" && appointment["type"] as? String == "eval")
            let id = try #require(appointment["id"] as? String)
            let conflict = try await bed.send(.POST, base + "/appointments", as: "consultantA1", json: booking)
            #expect(conflict.status == .conflict)
            #expect(try conflict.json()["reason"] as? String == "the practitioner already has an appointment at that time")
            #expect(try await bed.send(.POST, base + "/appointments", as: "consultantA1", json: #"{"contact_id":"\#(contact)","practitioner_id":"\#(carla)","starts_at":"2020-01-01T10:00:00Z"}"#).status == .unprocessableEntity)
            #expect(try await bed.send(.POST, base + "/appointments", as: "consultantA1", json: #"{"contact_id":"\#(bed.ids["contactB"]!)","practitioner_id":"\#(carla)","starts_at":"\#(start)"}"#).status == .unprocessableEntity, "another clinic's contact")
            // A type the clinic does not have is refused even when minutes give the length.
            let unknownType = try await bed.send(.POST, base + "/appointments", as: "consultantA1", json: #"{"contact_id":"\#(contact)","practitioner_id":"\#(carla)","starts_at":"\#(Self.nextMonday(at: 15))","type":"nope","minutes":30}"#)
            #expect(unknownType.status == .unprocessableEntity)
            #expect((try unknownType.json()["reason"] as? String)?.hasPrefix("no appointment type nope (known: ") == true)
            let reminders = try await bed.services.engine.queue.count(status: .queued)
            #expect(reminders >= 2, "its reminders are scheduled")

            // Confirm, then mark done; a done appointment cannot become a no-show.
            let path = base + "/appointments/\(id)"
            #expect(try await bed.send(.PATCH, path, as: "consultantA1", json: #"{"status":"confirmed"}"#).json()["status"] as? String == "confirmed")
            let moved = try await bed.send(.PATCH, path, as: "consultantA1", json: #"{"starts_at":"\#(Self.nextMonday(at: 13))"}"#).json()
            #expect(moved["starts_at"] as? String == Self.nextMonday(at: 13))
            #expect(try await bed.send(.PATCH, path, as: "consultantA1", json: #"{"status":"done"}"#).json()["status"] as? String == "done")
            let wrong = try await bed.send(.PATCH, path, as: "consultantA1", json: #"{"status":"no_show"}"#)
            #expect(wrong.status == .unprocessableEntity)
            #expect(try wrong.json()["reason"] as? String == "an appointment that is done cannot become no_show")
            #expect(try await bed.send(.PATCH, path, as: "consultantA1", json: #"{"status":"lost"}"#).status == .unprocessableEntity)
            let listed = try await bed.send(.GET, base + "/appointments?contact_id=\(contact)", as: "viewerA1").json()["items"] as? [[String: Any]]
            #expect(listed?.contains { $0["id"] as? String == id && $0["status"] as? String == "done" } == true)
            let events = try await bed.services.engine.events.events(inStream: Contact.stream(bed.ids["contactID"]!)).map(\.type)
            #expect(["appointment.booked", "appointment.confirmed", "appointment.rescheduled", "appointment.done"].allSatisfy(events.contains))
        }
    }

    @Test func schedulingSettingsAreValidatedAsAWhole() async throws {
        try await withAPI(.sqlite) { bed in
            let path = base(bed) + "/settings/scheduling"
            let bad = try await bed.send(.PUT, path, as: "adminA1", json: #"{"reminder_hours":[24,0]}"#)
            #expect(bad.status == .unprocessableEntity)
            #expect((try bad.json()["reason"] as? String)?.contains("reminder_hours must be between 1 and 336") == true)
            let wrongType = try await bed.send(.PUT, path, as: "adminA1", json: #"{"won_on_deposit":"yes"}"#)
            #expect(wrongType.status == .unprocessableEntity)
            #expect((try wrongType.json()["reason"] as? String)?.contains("won_on_deposit") == true)
            let saved = try await bed.send(.PUT, path, as: "adminA1", json: #"{"recall_months":{"teethWhitening":12},"won_on_deposit":true,"templates":{"reminder":{"pt":{"name":"lembrete","language_code":"pt_BR","parameters":["{name}","{time}"]}}}}"#)
            #expect(saved.status == .ok)
            let read = try await bed.send(.GET, path, as: "adminA1").json()
            #expect(read["recall_months"] as? [String: Int] == ["teethWhitening": 12], "procedure keys are kept as written")
            #expect(read["won_on_deposit"] as? Bool == true)
            #expect(((read["templates"] as? [String: Any])?["reminder"] as? [String: Any])?["pt"] != nil)
            #expect(try await bed.send(.GET, path, as: "consultantA1").status == .forbidden)
        }
    }

    /// `YYYY-MM-DDTHH:00:00Z` of a Monday at least a week ahead.
    static func nextMonday(at hour: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        var day = calendar.startOfDay(for: Date().addingTimeInterval(7 * 86_400))
        while calendar.component(.weekday, from: day) != 2 { day = day.addingTimeInterval(86_400) }
        return day.addingTimeInterval(TimeInterval(hour * 3600)).formatted(.iso8601)
    }
}
