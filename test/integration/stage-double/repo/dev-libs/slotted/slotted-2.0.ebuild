# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="slot 2"
SLOT="2"
KEYWORDS="amd64"
