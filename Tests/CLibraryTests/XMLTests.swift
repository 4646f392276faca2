import Dialplan
import Foundation
import Testing

/// Proves libxml2 is linked: a file parses into elements with lines, and a broken one names its line.
@Suite struct XMLTests {
    @Test func parsesElementsAttributesAndLines() throws {
        let text = """
        <?xml version="1.0"?>
        <dialplan>
          <context name="from-browser">
            <route name="echo">
              <match field="destination" pattern="^9196$"/>
              <echo/>
            </route>
          </context>
        </dialplan>
        """
        let root = try XMLSource.parse(Array(text.utf8), file: "test.xml")
        #expect(root.name == "dialplan")
        let context = try #require(root.children.first)
        #expect(context.attribute("name") == "from-browser")
        #expect(context.line == 3)
        let match = try #require(context.children.first?.children.first)
        #expect(match.attribute("pattern") == "^9196$")
        #expect(match.line == 5)
    }

    @Test func syntaxErrorNamesFileLineAndColumn() {
        let text = "<dialplan>\n  <context name=\"a\">\n    <route>\n  </context>\n</dialplan>\n"
        #expect {
            _ = try XMLSource.parse(Array(text.utf8), file: "broken.xml")
        } throws: { error in
            guard let e = error as? XMLSyntaxError else { return false }
            return e.location.file == "broken.xml" && e.location.line == 4 && e.location.column != nil
                && e.reason.contains("mismatch")
        }
    }

    @Test func externalEntitiesAreNotExpanded() throws {
        let text = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><d>&x;</d>"
        let root = try XMLSource.parse(Array(text.utf8), file: "xxe.xml")
        #expect(!root.text.contains("root:"))
    }
}
