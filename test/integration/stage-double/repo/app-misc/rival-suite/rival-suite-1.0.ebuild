# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="pulls in both packages of a blocker pair"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="app-misc/rival app-misc/incumbent"
