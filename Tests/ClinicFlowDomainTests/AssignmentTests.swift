import ClinicFlowDomain
import Foundation
import Testing

@Suite struct AssignmentTests {
    let saoPaulo = TimeZone(identifier: "America/Sao_Paulo")!
    /// Wednesday 2026-11-18 14:00 in São Paulo.
    let afternoon = Date(timeIntervalSince1970: 1_795_021_200)

    func consultant(_ index: Int, department: String = "implants", cap: Int? = nil, hours: [String: [String]]? = nil) -> Consultant {
        Consultant(
            id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", index))!, departments: [department], maxOpenLeads: cap,
            workingHours: try! hours.map { try WorkingHours($0) }
        )
    }

    @Test func roundRobinIsFairOverAThousandLeadsRespectingCapsAndHours() {
        let policy = AssignmentPolicy()
        let weekdays = ["mon": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"], "thu": ["08:00-18:00"], "fri": ["08:00-18:00"]]
        var team = [
            consultant(1, cap: 400, hours: weekdays),
            consultant(2, cap: 400, hours: weekdays),
            consultant(3, cap: 150, hours: weekdays),  // part-timer with a small cap
            consultant(4, cap: 400, hours: ["sat": ["09:00-13:00"]]),  // weekend only: never now
            consultant(5, department: "orthodontics", cap: 400),  // another department
        ]
        var counts: [UUID: Int] = [:]
        var pooled = 0
        for index in 0..<1000 {
            let now = afternoon.addingTimeInterval(Double(index))
            switch policy.assign(department: "implants", consultants: team, previousOwner: nil, at: now, timeZone: saoPaulo) {
            case .assigned(let id, _):
                counts[id, default: 0] += 1
                let position = team.firstIndex { $0.id == id }!
                team[position].openLeads += 1
                team[position].lastAssignedAt = now
            case .pool:
                pooled += 1
            }
        }
        let (one, two, three) = (counts[team[0].id] ?? 0, counts[team[1].id] ?? 0, counts[team[2].id] ?? 0)
        #expect(three == 150)  // filled to the cap, no further
        #expect(one == 400 && two == 400)
        #expect(counts[team[3].id] == nil)  // off duty
        #expect(counts[team[4].id] == nil)  // other department
        #expect(pooled == 50)  // once every cap is reached, leads wait in the pool
        // While all three had room, they took turns exactly.
        var firstRound: [UUID: Int] = [:]
        var replay = team.map { member in var copy = member; copy.openLeads = 0; copy.lastAssignedAt = nil; return copy }
        for index in 0..<300 {
            guard case .assigned(let id, _) = policy.assign(department: "implants", consultants: replay, previousOwner: nil, at: afternoon.addingTimeInterval(Double(index)), timeZone: saoPaulo) else { continue }
            firstRound[id, default: 0] += 1
            let position = replay.firstIndex { $0.id == id }!
            replay[position].openLeads += 1
            replay[position].lastAssignedAt = afternoon.addingTimeInterval(Double(index))
        }
        #expect(Set(firstRound.values) == [100])
    }

    @Test func returningContactsGoBackToTheirOwner() {
        let policy = AssignmentPolicy()
        var team = [consultant(1), consultant(2)]
        team[1].lastAssignedAt = afternoon  // would not be next in round robin
        let decision = policy.assign(department: "implants", consultants: team, previousOwner: team[1].id, at: afternoon, timeZone: saoPaulo)
        #expect(decision == .assigned(team[1].id, reason: "returning contact: back to their previous owner"))
        team[1].active = false
        #expect(policy.assign(department: "implants", consultants: team, previousOwner: team[1].id, at: afternoon, timeZone: saoPaulo).ownerID == team[0].id)
    }

    @Test func nobodyAvailableMeansThePoolWithAReason() {
        let policy = AssignmentPolicy()
        let night = afternoon.addingTimeInterval(10 * 3600)  // midnight in São Paulo
        let team = [consultant(1, hours: ["wed": ["09:00-18:00"]])]
        #expect(policy.assign(department: "implants", consultants: team, previousOwner: nil, at: night, timeZone: saoPaulo) == .pool(reason: "nobody in department implants is working now"))
        #expect(policy.assign(department: "implants", consultants: [], previousOwner: nil, at: night, timeZone: saoPaulo) == .pool(reason: "no active consultant in the clinic"))
        // A department nobody belongs to uses the whole clinic.
        #expect(policy.assign(department: "aesthetics", consultants: [consultant(7)], previousOwner: nil, at: night, timeZone: saoPaulo).ownerID != nil)
    }

    @Test func routingPrefersChannelThenProcedureThenLanguage() {
        let rules = RoutingRules(procedureDepartments: ["orthodontics": "ortho"], languageDepartments: ["en": "international"], defaultDepartment: "general")
        #expect(rules.department(channel: "implants", procedure: "orthodontics", language: "en").department == "implants")
        #expect(rules.department(channel: nil, procedure: "orthodontics", language: "en").department == "ortho")
        #expect(rules.department(channel: nil, procedure: "whitening", language: "en").department == "international")
        #expect(rules.department(channel: nil, procedure: nil, language: "pt").department == "general")
        #expect(RoutingRules().department(channel: nil, procedure: nil, language: nil).department == nil)
    }

    @Test func workingHoursAreReadInTheClinicsTimeZone() throws {
        let hours = try WorkingHours(["wed": ["09:00-12:00", "13:00-18:00"]])
        #expect(hours.contains(afternoon, timeZone: saoPaulo))  // 14:00 local
        #expect(!hours.contains(afternoon.addingTimeInterval(-2 * 3600), timeZone: saoPaulo))  // 12:00 lunch
        #expect(!hours.contains(afternoon, timeZone: TimeZone(identifier: "Asia/Tokyo")!))
        #expect(hours.schedule == ["wed": ["09:00-12:00", "13:00-18:00"]])
        #expect(throws: WorkingHours.Problem.badInterval("18:00-09:00")) { try WorkingHours(["mon": ["18:00-09:00"]]) }
        #expect(throws: WorkingHours.Problem.unknownDay("funday")) { try WorkingHours(["funday": ["09:00-10:00"]]) }
    }
}
