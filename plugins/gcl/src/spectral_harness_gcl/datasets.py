"""The datasets of the gcl tasks: four TU graph-classification sets and two Planetoid graphs.

Raw upstream layouts as stored in the shared data folder (``tudataset/<NAME>/<NAME>_*.txt`` and
``planetoid/<name>/ind.<name>.*``), with the sha256 of every file from its PROVENANCE.md. This
module is imported at registration: no torch here.
"""

from __future__ import annotations

from harness import DatasetSpec, RemoteFile

INFOGRAPH = (
    "https://raw.githubusercontent.com/sunfanyunn/InfoGraph/"
    "1f286d5cc48c1ea142dd6fa9d9ef5a449a09cf08/data/"
)
RESGNN = (
    "https://raw.githubusercontent.com/XuelinHu/Matrix-ResGNN-GraphClassificatio/"
    "f76543d8bd82c7ebe1c16f59d9219d038c62ac8e/data/TUDataset/PROTEINS/raw/"
)
PLANETOID = (
    "https://raw.githubusercontent.com/kimiyoung/planetoid/"
    "af6abf468a772cc055bec88c52e4d6f51b7c37e3/data/"
)
# IMDB-BINARY was extracted from a zip (data/IMDB-BINARY.zip in InfoGraph): no per-file URL.
TU_UPSTREAM = {
    "MUTAG": INFOGRAPH + "MUTAG/",
    "PROTEINS": RESGNN,
    "NCI1": INFOGRAPH + "NCI1/",
    "IMDB-BINARY": "",
}
TU_SHA256 = {
    "MUTAG": {
        "MUTAG_A.txt": ("d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2"),
        "MUTAG_edge_labels.txt": (
            "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56"
        ),
        "MUTAG_graph_indicator.txt": (
            "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056"
        ),
        "MUTAG_graph_labels.txt": (
            "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c"
        ),
        "MUTAG_node_labels.txt": (
            "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863"
        ),
    },
    "PROTEINS": {
        "PROTEINS_A.txt": ("4c4b33e272fc95cac6d27ed6d5d12b9a852c8610e91fff59f8f0dbdd5a20df67"),
        "PROTEINS_graph_indicator.txt": (
            "8d4ff1e852a5c28561e9bffb44cf9490bc552b13a3b6156dd12dc7f44e9afc4a"
        ),
        "PROTEINS_graph_labels.txt": (
            "c0ef9810c440775252872318d0c8adc385588e14bc4c47a2c34aa96ee3c7cdcd"
        ),
        "PROTEINS_node_attributes.txt": (
            "54eef829abb37e458a5fbf3a3c581e48e5810e220463c2cd951856b9ceb08f07"
        ),
        "PROTEINS_node_labels.txt": (
            "f758e8ad3d6e3c026b50833d75f6f90735b94eb3345e4243707f495ca8afea8d"
        ),
    },
    "NCI1": {
        "NCI1_A.txt": ("2c028eda59a5fe96e2265a63d9ac236901bd9a7dc658498be13cd704a703076d"),
        "NCI1_graph_indicator.txt": (
            "ffe5acfa754b057d5ce0dc725c5aadb631628161886cc040d38c719635257dc5"
        ),
        "NCI1_graph_labels.txt": (
            "fae44681e70113f496256ae87eaac33b7836e3a97fe8e023933b84fde6a5c8a2"
        ),
        "NCI1_node_labels.txt": (
            "dc0a22b6cbff0c939de00373e823977ba32b358f560e4288d7602f7b51407ee2"
        ),
    },
    "IMDB-BINARY": {
        "IMDB-BINARY_A.txt": ("23c8964bab82f81469271186d721131714a265d0ca8c44ae048118da1d0c4092"),
        "IMDB-BINARY_graph_indicator.txt": (
            "415cc3ba25b8c647dcf34d3de034f675ee070616f3b803be939cb26773489f26"
        ),
        "IMDB-BINARY_graph_labels.txt": (
            "63a44411fd6342b9c4429828c16e144a2a11ef5244e25bb60f0ffa8b3ee2ffce"
        ),
    },
}
PLANETOID_SHA256 = {
    "cora": {
        "ind.cora.allx": ("9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543"),
        "ind.cora.ally": ("2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71"),
        "ind.cora.graph": ("58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d"),
        "ind.cora.test.index": ("297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875"),
        "ind.cora.tx": ("b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a"),
        "ind.cora.ty": ("41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad"),
        "ind.cora.x": ("23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab"),
        "ind.cora.y": ("94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1"),
    },
    "citeseer": {
        "ind.citeseer.allx": ("2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668"),
        "ind.citeseer.ally": ("f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95"),
        "ind.citeseer.graph": ("d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7"),
        "ind.citeseer.test.index": (
            "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4"
        ),
        "ind.citeseer.tx": ("539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21"),
        "ind.citeseer.ty": ("55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce"),
        "ind.citeseer.x": ("d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6"),
        "ind.citeseer.y": ("8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924"),
    },
}
TU_NAMES = tuple(TU_SHA256)
PLANETOID_NAMES = tuple(PLANETOID_SHA256)


def tu_files(name: str) -> dict[str, RemoteFile]:
    """``tudataset/<name>/<file>`` → upstream URL and sha256."""
    base = TU_UPSTREAM[name]
    return {
        f"tudataset/{name}/{fn}": RemoteFile(url=base + fn if base else "", sha256=sha)
        for fn, sha in TU_SHA256[name].items()
    }


def planetoid_files(name: str) -> dict[str, RemoteFile]:
    """``planetoid/<name>/ind.<name>.*`` → upstream URL and sha256."""
    return {
        f"planetoid/{name}/{fn}": RemoteFile(url=PLANETOID + fn, sha256=sha)
        for fn, sha in PLANETOID_SHA256[name].items()
    }


DATASETS = [
    *(
        DatasetSpec(
            name=f"tu_{name.lower()}",
            files=tu_files(name),
            homepage="https://chrsmrrs.github.io/datasets/",
            license="TUDataset: research benchmark data, no explicit license (cite the papers)",
            summary=f"{name} (TUDataset raw text format) for graph classification",
        )
        for name in TU_NAMES
    ),
    *(
        DatasetSpec(
            name=f"planetoid_{name}",
            files=planetoid_files(name),
            homepage="https://github.com/kimiyoung/planetoid",
            license="planetoid repo MIT; graphs research use (Sen et al. 2008)",
            summary=f"{name.capitalize()} citation graph (Planetoid ind.* files)",
        )
        for name in PLANETOID_NAMES
    ),
]


def dataset_name(name: str) -> str:
    """The registered dataset of a task's ``dataset`` field (``MUTAG`` → ``tu_mutag``)."""
    if name in TU_SHA256:
        return f"tu_{name.lower()}"
    if name in PLANETOID_SHA256:
        return f"planetoid_{name}"
    known = ", ".join((*TU_NAMES, *PLANETOID_NAMES))
    raise ValueError(f"unknown gcl dataset {name!r}; known: {known}")
