import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing

@Suite struct DemoSeederTests {
    @Test func theDemoFillsAPipelineThroughTheRealWebhookPathOnce() async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_BCRYPT_COST": "4"]) { app, services in
            #expect(try await DemoSeeder.seed(services, leads: 12, logger: .quiet))
            let clinic = try #require(try await services.engine.clinics.find(slug: DemoSeeder.clinicSlug))
            let leads = try await services.engine.leads.list(clinicID: clinic.id, .init(limit: 200)).items
            #expect(leads.count == 12)
            #expect(Set(leads.map(\.stage)).count >= 4)
            #expect(Set(leads.compactMap(\.source)) == ["meta", "webform"])
            #expect(try await services.engine.deliveries.list(channelID: leads.first { $0.source == "meta" }!.channelID!).count == 9)
            let users = try await services.engine.access.users(clinicID: clinic.id, agencyID: clinic.agencyID)
            #expect(users.count == DemoSeeder.logins.count)
            #expect(try await services.queue.count(status: .dead) == 0)
            // Seeding again changes nothing.
            #expect(try await !DemoSeeder.seed(services, leads: 12, logger: .quiet))
            #expect(try await services.engine.leads.list(clinicID: clinic.id, .init(limit: 200)).items.count == 12)

            // The demo logins work.
            let login = try await app.testing().sendRequest(.POST, "/api/v1/auth/login", headers: ["Content-Type": "application/json"],
                body: .init(string: #"{"email":"ana@demo.clinicflow.test","password":"\#(DemoSeeder.password)"}"#))
            #expect(login.status == .ok)
        }
    }
}

import VaporTesting
