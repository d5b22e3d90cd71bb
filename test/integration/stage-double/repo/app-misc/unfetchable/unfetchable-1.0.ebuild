# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="its source is nowhere: nothing listens on the discard port"
SRC_URI="http://127.0.0.1:9/${P}.tar.gz"
SLOT="0"
KEYWORDS="amd64"
