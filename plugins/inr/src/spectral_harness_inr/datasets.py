"""Datasets of the INR tasks: the SIREN paper's audio clip, the WINNER paper's audio clips and
the Kodak photographs, and the named sets of signals the set tasks fit."""

from __future__ import annotations

from harness import DatasetSpec, RemoteFile

KODAK_URL = "https://r0k.us/graphics/kodak/kodak/{}"
KODAK_SHA256 = {
    "kodim01.png": "6b4fbe6f3e8e0e20150d5b0c32248bf072e22b5989d415f96f796c5b7004a70f",
    "kodim02.png": "1788370471429d992750a09caf6702ac74e56962447de02520d4b161738c0369",
    "kodim03.png": "b9c800ee568f0b18c983817df08d9f7f24a7ddb3abfdc31bde9234c4fde83137",
    "kodim04.png": "0c60c62599ad33fd78b29c36013fbe4120946f6c327c0ef0ec6983297fb48d23",
    "kodim05.png": "ccf694ceb6bbf431e0009ed0d5573a8ff0915095b69ddfb527b91d8325897f5e",
    "kodim06.png": "f4212cc927d1d579c712843cf8320c7eccb571e5ea80456022ffe99d67e9cd5d",
    "kodim07.png": "7cdd6d63ae0a245f6f9d983d740e11c6808c2efc24f8351aad9b5f676c27b55a",
    "kodim08.png": "5a6a089bdb47605287c00d89ebf2a5312981eb998c94b5853d917c93a9066cdb",
    "kodim09.png": "4d8d801592aeaf446978bbd1c83b76c498242d0f684769311a4e7248289500bf",
    "kodim10.png": "7aca487dc83db732a5690b7affe8558e9dadf5bb44a4589ba2b607480a07228b",
    "kodim11.png": "c7c02bd6e942d1181518e3ce2d97cf0451e4494a5e9d6ddee276940e4875d746",
    "kodim12.png": "df571f5e66d1aefd764ea77855e81e3be61528c34962a0fd1d50557502162c1e",
    "kodim13.png": "797949ce1152ef157ff0a1231c95cb8ed7641615e0b0f5f77f851a44aee19e8d",
    "kodim14.png": "08a1898d5702f32e7d9f94a94651d74a62cb9325475775a558b388c8d98f1846",
    "kodim15.png": "416c475f39b0eb9203ce7f77d2af8824f5bffc1a86a4605865017f04c41639b9",
    "kodim16.png": "5d03303693decdf7a1e1e930b5ca6684283aa80a9e7d8d6a842a74fa5f790640",
    "kodim17.png": "19d90e98e5835efae20a6e17e22e5ac6814ee2c8efb32d188ea4359abaf9f5bd",
    "kodim18.png": "83df267dfec61e9b9d3756c422502160b2fab595650c73a8b12940540ad09ec5",
    "kodim19.png": "86560efe85a13413b228ef7e42dde0d439b25a94fb8e2d6fb1dc1631cf48853b",
    "kodim20.png": "1ae187d92b3a4483b6717f7fd08592846ffdfc340c6424f6756627a27f3d8ea7",
    "kodim21.png": "26e193795108c4b5ec47206ae4ff07a353d2492947f7a7ae8d380e042b74027b",
    "kodim22.png": "627b76fccf714b4ddffb739b2eb63ba2817cf5b5a8e222079542dcf2cfdda939",
    "kodim23.png": "85c67d7ea758cb0604fb6980ab0c65091a2eefa7b3b50cbb1bc702a60206dfe5",
    "kodim24.png": "9f1c26df52217bd49f998a720a2ffeba41a535cf826f4ae32e355fb2b0bbc0fe",
}

WINNER_COMMIT = "c3a60f5a4523450cd1540534aca46628cd49bda7"
WINNER_URL = (
    f"https://github.com/hemanthgrylls/SIREN-square/raw/{WINNER_COMMIT}/training_data/audio/{{}}"
)
WINNER_SHA256 = {
    "arch.wav": "c6d81b44b2276c3437a606efa7d938f302c9a1ea88bf72aac2d5019fddf9ad44",
    "chopin.wav": "062486c380c705076d7073dcae6f4becce795166cfdb50bf31ae096b65509cb0",
    "dilse_gt.wav": "87600ecce19f2f5d82236751dfe6dccfcc6ed2c70f977b315ad5e1373bdce7c3",
    "radiation.wav": "a2463149f29edc2aa0b134498d8f712cfe15a1638461acb8de381e276696e20a",
    "relay.wav": "61de3e16a2a766e9518a78fc4599b5ccf5ff7522a38f91820b6e16e87037d52f",
    "shattered.wav": "9682de74e8df33e76ec5cd8f29a8b7f69e699aca180a33b8ffb0f97bbe150721",
    "tap.wav": "5b9c435c2fbe9aa5e278af24ec57fdde643956eee81fa6f8a9edb49b268c6eaa",
    "tetris.wav": "9a668fb7420b02dc1bfc1b75d301303e950025685221001f07b47faa2261baf1",
    "turkish_gt.wav": "6c9928366d1b57cbcbc6f9ca46196f380f435177848f5c57a229b0cc94802adf",
    "vivaldi_gt.wav": "417c445c9125ba2451bdd6e5ac0f5e0f8e14a4e60f97f458e14fc3eb4e1fe809",
    "whoosh.wav": "45cbdaaa461c730014ddf1b7a5c8cb65469959b461133ccb8c61963969c88a41",
}

# The clips of learn_audios.py still in the repository, in the script's order (voltage, foley,
# birds and sparking are missing upstream; gt_bach is SIREN's clip, registered as siren_audio).
REFERENCE_CLIPS = (
    *(f"winner_audio/{name}.wav" for name in ("tetris", "relay", "arch", "tap", "whoosh")),
    *(f"winner_audio/{name}.wav" for name in ("shattered", "radiation")),
    "siren_audio/gt_bach.wav",
)
# In the repository's audio folder but not in the script's list: music, lower spectral centroid.
MUSIC_CLIPS = tuple(
    f"winner_audio/{name}.wav" for name in ("chopin", "dilse_gt", "turkish_gt", "vivaldi_gt")
)
CLIP_SETS = {
    "reference": REFERENCE_CLIPS,
    "music": MUSIC_CLIPS,
    "all": REFERENCE_CLIPS + MUSIC_CLIPS,
}
# scikit-image's bundled test images (no download): photographs and the textures
SKIMAGE_IMAGES = ("camera", "astronaut", "coffee", "chelsea", "brick", "grass", "gravel")
IMAGE_SETS = {
    "kodak24": tuple(f"kodak24/{name}" for name in KODAK_SHA256),
    "skimage": tuple(f"skimage:{name}" for name in SKIMAGE_IMAGES),
}


def signal_name(path: str) -> str:
    """A set member's name in metric keys: ``winner_audio/tetris.wav`` → ``tetris``,
    ``skimage:camera`` → ``camera``."""
    return path.removeprefix("skimage:").rsplit("/", 1)[-1].rsplit(".", 1)[0]


DATASETS = [
    DatasetSpec(
        name="siren_audio",
        files={
            "siren_audio/gt_bach.wav": RemoteFile(
                url="https://github.com/vsitzmann/siren/raw/master/data/gt_bach.wav",
                sha256="023940a1bcc534349e16ff46f360ffbfffa993842961dbed955c168fd2f38190",
            )
        },
        homepage="https://github.com/vsitzmann/siren",
        license="MIT repository; recording provenance undocumented (research use)",
        summary="SIREN audio-fitting target: 6.99 s of Bach, 44.1 kHz mono float WAV",
    ),
    DatasetSpec(
        name="kodak24",
        files={
            f"kodak24/{name}": RemoteFile(url=KODAK_URL.format(name), sha256=digest)
            for name, digest in KODAK_SHA256.items()
        },
        homepage="https://r0k.us/graphics/kodak/",
        license="Kodak, released for unrestricted use (commonly stated)",
        summary="Kodak Lossless True Color Image Suite, 24 photographs 768x512",
    ),
    DatasetSpec(
        name="winner_audio",
        files={
            f"winner_audio/{name}": RemoteFile(url=WINNER_URL.format(name), sha256=digest)
            for name, digest in WINNER_SHA256.items()
        },
        homepage="https://github.com/hemanthgrylls/SIREN-square",
        license="no license file upstream; research benchmark targets, do not redistribute",
        summary="the WINNER (SIREN²) paper's audio clips still in its repository: 7 of the "
        "reference script's 12 (gt_bach is siren_audio) and 4 music clips, 16-bit WAV",
    ),
]
