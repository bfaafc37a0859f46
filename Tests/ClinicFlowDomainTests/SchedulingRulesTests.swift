import ClinicFlowDomain
import Foundation
import Testing

/// Appointment rules, follow-up timing, practitioners' exceptions, scheduling settings and the
/// contact fingerprint that keeps CRM sync from looping.
@Suite struct SchedulingRulesTests {
    let saoPaulo = TimeZone(identifier: "America/Sao_Paulo")!

    @Test func appointmentsMoveOnlyForward() {
        #expect(AppointmentStatus.booked.canMove(to: .confirmed))
        #expect(AppointmentStatus.confirmed.canMove(to: .noShow))
        #expect(AppointmentStatus.noShow.canMove(to: .done), "the front desk corrects a wrong no-show")
        #expect(!AppointmentStatus.cancelled.canMove(to: .booked))
        #expect(!AppointmentStatus.done.canMove(to: .noShow))
        #expect(!AppointmentStatus.confirmed.canMove(to: .booked))
        #expect(AppointmentStatus.allCases.filter(\.isLive) == [.booked, .confirmed])
    }

    @Test func remindersThatAreStillAheadAreDue() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let all = FollowUpPlan.reminders(startsAt: start, offsetsHours: [2, 24, 24], now: start.addingTimeInterval(-30 * 3600))
        #expect(all.map(\.offsetHours) == [24, 2], "once each, the earlier first")
        #expect(all.map(\.dueAt) == [start.addingTimeInterval(-24 * 3600), start.addingTimeInterval(-2 * 3600)])
        let late = FollowUpPlan.reminders(startsAt: start, offsetsHours: [24, 2], now: start.addingTimeInterval(-3 * 3600))
        #expect(late.map(\.offsetHours) == [2], "booked three hours ahead: only the 2 h reminder")
        #expect(FollowUpPlan.reminders(startsAt: start, offsetsHours: [24, 2], now: start).isEmpty)
    }

    @Test func recallsComeMonthsLaterInTheClinicsCalendar() throws {
        let done = try Date("2026-01-31T13:00:00Z", strategy: .iso8601)
        let plan = try #require(FollowUpPlan.recall(procedure: "cleaning", doneAt: done, months: ["cleaning": 6], timeZone: saoPaulo))
        #expect(plan.kind == .recall)
        #expect(plan.dueAt == (try Date("2026-07-31T13:00:00Z", strategy: .iso8601)))
        #expect(FollowUpPlan.recall(procedure: "implant", doneAt: done, months: ["cleaning": 6], timeZone: saoPaulo) == nil)
        #expect(FollowUpPlan.recall(procedure: nil, doneAt: done, months: ["cleaning": 6], timeZone: saoPaulo) == nil)
    }

    @Test func exceptionsReplaceTheWeeklyHoursOnTheirDate() throws {
        let hours = try WorkingHours(["mon": ["09:00-12:00"], "tue": ["09:00-12:00"]])
        let clinic = UUID()
        // Monday 2026-12-07 is a holiday; Tuesday 2026-12-08 only the afternoon.
        let ana = Practitioner(clinicID: clinic, name: "Ana", availability: hours, exceptions: [
            AvailabilityException(date: "2026-12-07"), AvailabilityException(date: "2026-12-08", hours: ["14:00-15:00"]),
        ])
        let sunday = try Date("2026-12-06T12:00:00-03:00", strategy: .iso8601)
        let slots = SlotFinder(duration: 3600, horizonDays: 9).free(practitioners: [ana], booked: [], after: sunday, timeZone: saoPaulo, limit: 3)
        #expect(slots.map(\.startsAt) == [
            try Date("2026-12-08T14:00:00-03:00", strategy: .iso8601), try Date("2026-12-14T09:00:00-03:00", strategy: .iso8601),
            try Date("2026-12-14T11:00:00-03:00", strategy: .iso8601),
        ])
        #expect(throws: WorkingHours.Problem.self) { try AvailabilityException(date: "2026-12-09", hours: ["15:00-14:00"]).intervals() }
        #expect(AvailabilityException.isValidDate("2026-12-09"))
        #expect(!AvailabilityException.isValidDate("2026-13-09"))
        #expect(!AvailabilityException.isValidDate("09/12/2026"))
    }

    @Test func schedulingSettingsDefaultAndNameWhatIsWrong() throws {
        let defaults = try JSONDecoder().decode(SchedulingSettings.self, from: Data("{}".utf8))
        #expect(defaults == SchedulingSettings())
        #expect(defaults.reminderHours == [24, 2] && defaults.noShowFollowUpHours == 2 && defaults.consentMonths == 24 && !defaults.wonOnDeposit)
        let off = try JSONDecoder().decode(SchedulingSettings.self, from: Data(#"{"no_show_follow_up_hours":null}"#.utf8))
        #expect(off.noShowFollowUpHours == nil)
        let roundTrip = try JSONDecoder().decode(SchedulingSettings.self, from: try JSONEncoder().encode(off))
        #expect(roundTrip == off)
        let cases: [(String, String)] = [
            (#"{"reminder_hours":[0]}"#, "reminder_hours"),
            (#"{"appointment_types":[{"key":"a","name":"A","minutes":30},{"key":"a","name":"B","minutes":30}]}"#, "appears twice"),
            (#"{"appointment_types":[{"key":"a","name":"A","minutes":1000}]}"#, "appointment_types.a.minutes"),
            (#"{"recall_months":{"cleaning":0}}"#, "recall_months.cleaning"),
            (#"{"templates":{"birthday":{}}}"#, "templates.birthday"),
            (#"{"delivery_retention_days":0}"#, "delivery_retention_days"),
        ]
        for (json, reason) in cases {
            do {
                _ = try JSONDecoder().decode(SchedulingSettings.self, from: Data(json.utf8))
                Issue.record("\(json) must be refused")
            } catch let invalid as InvalidSettings {
                #expect(invalid.problem.contains(reason), "\(json): \(invalid.problem)")
            }
        }
    }

    @Test func followUpTemplatesAreChosenByKindAndLanguageAndFilled() throws {
        let reminder = WhatsAppTemplate(name: "lembrete_consulta", languageCode: "pt_BR", parameters: ["{name}", "{time}", "{practitioner}"])
        let settings = SchedulingSettings(templates: ["reminder": ["pt": reminder, "en": WhatsAppTemplate(name: "appointment_reminder", languageCode: "en_US")]])
        #expect(settings.template(.reminder, language: "pt") == reminder)
        #expect(settings.template(.reminder, language: "ro")?.name == "appointment_reminder", "another language beats no reminder")
        #expect(settings.template(.recall, language: "pt") == nil)
        let start = try Date("2026-12-10T17:30:00Z", strategy: .iso8601)
        let values = FollowUpPhrases.Values(name: "Maria Silva", clinic: "Sorriso", when: FollowUpPhrases.when(start, timeZone: saoPaulo, language: "pt"), practitioner: "Dra. Ana")
        #expect(reminder.filled(values.placeholders) == ["Maria Silva", "qui 10/12 14:30", "Dra. Ana"])
        let text = FollowUpPhrases.text(.reminder, language: "pt", values)
        #expect(text.contains("Maria!") && text.contains("qui 10/12 14:30") && text.contains("Dra. Ana"))
        #expect(FollowUpPhrases.text(.missedCall, language: "es", values).contains("llamada"))
        for kind in FollowUpKind.allCases {
            for language in ["pt", "es", "ro", "en"] { #expect(FollowUpPhrases.text(kind, language: language, values).contains("Sorriso"), "\(kind) \(language)") }
        }
    }

    @Test func theFingerprintIgnoresFormattingButNotContent() {
        let a = SyncFingerprint(name: " Maria  da Silva ", email: "Maria@Example.com", phone: "+55 11 98765-4321")
        let b = SyncFingerprint(name: "Maria da Silva", email: "maria@example.com", phone: "+5511987654321")
        #expect(a == b && a.hash == b.hash)
        #expect(SyncFingerprint(name: "Maria Souza", email: "maria@example.com", phone: "+5511987654321").hash != b.hash)
        #expect(SyncFingerprint(name: nil, email: "", phone: nil) == SyncFingerprint(name: "", email: nil, phone: " "))
        #expect(SyncSystem(provider: .twenty) == .twenty && SyncSystem(provider: .meta) == nil)
    }

    @Test func phonesSplitIntoCallingCodeAndNationalNumber() throws {
        let brazil = try #require(PhoneNumber.normalize("+5511987654321", defaultRegion: "BR")).parts
        #expect(brazil.callingCode == "+55" && brazil.region == "BR" && brazil.national == "11987654321")
        let portugal = try #require(PhoneNumber.normalize("+351912345678", defaultRegion: "PT")).parts
        #expect(portugal.callingCode == "+351" && portugal.national == "912345678")
    }
}
