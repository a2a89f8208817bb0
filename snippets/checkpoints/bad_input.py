# --8<-- [start:bad-files]
import zipfile
from pathlib import Path

import torch

from autoencoder import LitAutoEncoder

good = Path("checkpoints/last.ckpt").read_bytes()
# A copy cut off halfway; one with 16 bytes garbled in the middle (a bad disk, a bad copy);
# and a web page that a failed download saved under a .ckpt name.
Path("checkpoints/truncated.ckpt").write_bytes(good[: len(good) // 2])
middle = len(good) // 2
garbled = good[:middle] + bytes(b ^ 0xFF for b in good[middle:middle + 16]) + good[middle + 16:]
Path("checkpoints/garbled.ckpt").write_bytes(garbled)
Path("checkpoints/not_a_checkpoint.ckpt").write_text("<html><body>404 Not Found</body></html>")
bad_paths = ["checkpoints/truncated.ckpt", "checkpoints/garbled.ckpt",
             "checkpoints/not_a_checkpoint.ckpt", "checkpoints/no_such_file.ckpt"]
# --8<-- [end:bad-files]

# --8<-- [start:plain]
for path in bad_paths:
    print(path)
    try:
        LitAutoEncoder.load_from_checkpoint(path)
        print("  loaded, no error")
    except Exception as error:
        print(f"  {type(error).__name__}: {str(error).split('. ')[0]}")
        print(f"  names the file: {Path(path).name in str(error)}")
# --8<-- [end:plain]


# --8<-- [start:read-checkpoint]
def read_checkpoint(path):
    """torch.load(path, weights_only=True), with errors that name the file and the fault."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive, its index at the end
        raise ValueError(f"{path}: not a checkpoint, or cut off (not a whole zip archive)")
    with zipfile.ZipFile(path) as archive:
        damaged = archive.testzip()  # reads every record and checks its CRC-32 checksum
    if damaged is not None:
        raise ValueError(f"{path}: damaged, {damaged} does not match its checksum")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        error.add_note(f"while reading the checkpoint file {path}")
        raise
# --8<-- [end:read-checkpoint]


# --8<-- [start:named]
for path in [*bad_paths, "untrusted.ckpt"]:
    try:
        read_checkpoint(path)  # before load_from_checkpoint(path) or fit(ckpt_path=path)
    except Exception as error:
        # The message's first line, then its notes: how a traceback would end.
        print(f"{type(error).__name__}: {str(error).splitlines()[0]}")
        for note in getattr(error, "__notes__", []):
            print(f"  {note}")
# --8<-- [end:named]
