# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="needs the new dev-libs/pinned and app-misc/old-user, which needs the old one"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="app-misc/old-user >=dev-libs/pinned-2.0"
