from nerel_mtl.cli import main

raise SystemExit(main())
