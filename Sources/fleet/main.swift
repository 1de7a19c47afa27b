import Fleet
import Playbooks

print("fleet: not yet")
